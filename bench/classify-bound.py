#!/usr/bin/python3
"""classify-bound.py - what other models reach on the backtest's data.

An independent reference for pipelines/backtest-classify.sh: how well could
a classifier do on these data sets with more inputs and a non-linear model?
Fits two scikit-learn models (Debian: python3-sklearn) on the feeders'
observed 15-minute slices before --train-to, with 29 inputs each (the last 8
slices, the rise in an hour, the 5 slices from the same time a day and a
week before, the time of day, the weekend, the 4-hour peak), to the target
"a Critical slice among the next four":

  logit  logistic regression, balanced class weights
  gbm    gradient-boosted trees (HistGradientBoostingClassifier)

For each model, each threshold (quantiles of its test-period scores) and
hold (slices below before it lets go), it runs the feeder-state timeline
(Critical when the score reaches the threshold or the observed slice is
Critical) and writes its state_change records to OUT/MODEL-T-HOLD.ndjson,
for fx-eval to score like fx-classify's own.  The thresholds are chosen on
the test period itself, so the figures are an optimistic bound.

usage: classify-bound.py SLICES MODEL.json TRAIN_TO OUTDIR
  SLICES: lines [feeder_id, window_start, window_end, mean] (JSON arrays),
  the features' history slices in time order; MODEL.json gives the levels.
"""
import json
import math
import os
import sys
from datetime import datetime, timezone

try:
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
except ImportError:
    sys.exit("classify-bound.py: needs numpy and scikit-learn "
             "(apt-get install python3-sklearn)")


def epoch(s):
    return int(datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
               .replace(tzinfo=timezone.utc).timestamp())


def iso(t):
    return datetime.fromtimestamp(t, timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def main():
    path, model_path, train_to, outdir = sys.argv[1:5]
    levels = json.load(open(model_path))["feeders"]
    t_train = epoch(train_to)
    feeders = {}
    for line in open(path):
        f, ws, we, mean = json.loads(line)
        feeders.setdefault(f, []).append((epoch(ws), epoch(we), mean))
    X, Y, series = [], [], {}
    for f, sl in feeders.items():
        c = levels[f]["critical_kw"]
        step = sl[0][1] - sl[0][0]
        t0 = sl[0][0]
        n = (sl[-1][0] - t0) // step + 1
        x = np.full(n, np.nan)
        for ws, we, m in sl:
            if we - ws == step and (ws - t0) % step == 0:
                x[(ws - t0) // step] = m
        P = 86400 // step
        z = x / c
        starts = t0 + step * np.arange(n)

        def lag(k):
            return np.concatenate([np.full(k, np.nan), z[:n - k]]) if k > 0 \
                else z

        F = [lag(k) for k in range(8)]
        F.append(z - lag(3600 // step))
        F += [lag(P - k) for k in range(5)]
        F += [lag(7 * P - k) for k in range(5)]
        tod = (starts % 86400) / 86400
        F += [np.sin(2 * np.pi * tod), np.cos(2 * np.pi * tod),
              np.sin(4 * np.pi * tod), np.cos(4 * np.pi * tod)]
        dow = ((starts // 86400) + 3) % 7  # 1970-01-01 was a Thursday
        F.append((dow >= 5).astype(float))
        F.append(np.max(np.vstack([lag(k) for k in range(4 * 3600 // step)]),
                        axis=0))
        F = np.nan_to_num(np.vstack(F).T, nan=0.0)
        crit = np.nan_to_num(x, nan=-np.inf) >= c
        y = np.zeros(n, bool)
        for h in range(1, 5):
            y[:n - h] |= crit[h:]
        series[f] = (starts, step, crit, F)
        tr = (starts + step <= t_train) & (np.arange(n) >= 7 * P + 1)
        X.append(F[tr])
        Y.append(y[tr])
    X = np.vstack(X)
    Y = np.concatenate(Y)
    models = {
        "logit": LogisticRegression(C=1.0, max_iter=3000,
                                    class_weight="balanced"),
        "gbm": HistGradientBoostingClassifier(max_iter=300,
                                              learning_rate=0.05,
                                              random_state=1),
    }
    for name, clf in models.items():
        clf.fit(X, Y)
        scores = {f: clf.predict_proba(s[3])[:, 1] for f, s in series.items()}
        test = np.concatenate([scores[f][series[f][0] >= t_train]
                               for f in series])
        qs = sorted(set(np.round(np.quantile(
            test, [0.95, 0.97, 0.98, 0.99, 0.995, 0.997, 0.998, 0.999,
                   0.9995]), 4)))
        for th in qs:
            for hold in (1, 4):
                out = os.path.join(outdir, "%s-%g-%d.ndjson" % (name, th, hold))
                with open(out, "w") as o:
                    for f, (starts, step, crit, F) in series.items():
                        timeline(o, f, "%s@%g/%d" % (name, th, hold),
                                 starts, step, crit, scores[f], th, hold)
                print(out)


def timeline(o, f, model, starts, step, crit, p, th, hold):
    """State changes of feeder f, decided at the end of each slice."""
    st, below, seq = 0, 0, 0
    for i in range(len(starts)):
        up = crit[i] or p[i] >= th
        new = st
        if up:
            new, below = 2, 0
        elif st:
            below += 1
            if below >= hold:
                new = 0
        if new != st:
            seq += 1
            t = iso(int(starts[i] + step))
            o.write(json.dumps({
                "type": "state_change", "event_id": "%s@%s#%d" % (f, t, seq),
                "feeder_id": f, "timestamp": t, "prev_state": st,
                "new_state": new, "model": model}) + "\n")
            st = new


if __name__ == "__main__":
    main()
