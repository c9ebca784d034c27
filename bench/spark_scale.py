#!/usr/bin/env python3
"""The scale-out benchmark of docs/SCALE.md: N synthetic decisions generated inside Spark (never
stored) audited by custos.spark.fairness_audit on local[2], the size of what crosses the network
(one partial per partition), and for comparison Fairlearn's MetricFrame on a pandas frame of
BENCH_FAIRLEARN_ROWS rows (extrapolated linearly to N).

    python/.venv/bin/python bench/spark_scale.py            # N = 100,000,000 (scripts/slow-checks.sh)
    BENCH_SPARK_ROWS=10000000 python/.venv/bin/python bench/spark_scale.py
"""

from __future__ import annotations

import json
import os
import sys
import time

import numpy as np

import custos
import custos.spark

N = int(os.environ.get("BENCH_SPARK_ROWS", "100000000"))
PARTITIONS = int(os.environ.get("BENCH_SPARK_PARTITIONS", "200"))
FL_ROWS = int(os.environ.get("BENCH_FAIRLEARN_ROWS", "1000000"))


def main():
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (SparkSession.builder.master("local[2]").appName("custos-scale").config("spark.ui.enabled", "false")
             .config("spark.driver.memory", "4g").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    ages = F.array(F.lit("<25"), F.lit("25-45"), F.lit(">45"))
    df = (spark.range(N, numPartitions=PARTITIONS)
          .select(F.when(F.rand(1) < 0.5, "female").otherwise("male").alias("sex"),
                  F.element_at(ages, (F.floor(F.rand(2) * 3) + 1).cast("int")).alias("age_group"),
                  F.rand(3).alias("score"))
          .withColumn("y_true", (F.rand(4) < F.col("score")).cast("int"))
          .withColumn("y_pred", (F.col("score") > 0.5).cast("int")))
    args = dict(sensitive=["sex", "age_group"], y_true="y_true", y_pred="y_pred", score="score")
    t = time.perf_counter()
    partial = custos.spark.fairness_partial(df, **args)
    spark_s = time.perf_counter() - t
    audit = json.loads(partial.report(bootstrap=0))
    assert audit["rows"] == N
    # What one partition ships: its partial, measured on one partition's worth of rows.
    one = custos.spark.fairness_partial(df.limit(max(1, N // PARTITIONS)), **args).to_json()
    spark.stop()

    from fairlearn.metrics import MetricFrame, count, false_positive_rate, selection_rate, true_positive_rate
    import pandas as pd

    rng = np.random.default_rng(5)
    score = rng.random(FL_ROWS)
    pdf = pd.DataFrame({"sex": rng.choice(["female", "male"], FL_ROWS), "age_group": rng.choice(["<25", "25-45", ">45"], FL_ROWS),
                        "y_true": (rng.random(FL_ROWS) < score).astype(int), "y_pred": (score > 0.5).astype(int)})
    t = time.perf_counter()
    MetricFrame(metrics={"selection_rate": selection_rate, "true_positive_rate": true_positive_rate,
                         "false_positive_rate": false_positive_rate, "count": count},
                y_true=pdf["y_true"], y_pred=pdf["y_pred"], sensitive_features=pdf[["sex", "age_group"]]).by_group
    fl_s = time.perf_counter() - t
    print(json.dumps({
        "rows": N, "partitions": PARTITIONS, "custos_spark_local2_s": round(spark_s, 1),
        "rows_per_s": round(N / spark_s), "partial_bytes_per_partition": len(one.encode()),
        "fairlearn_rows": FL_ROWS, "fairlearn_s": round(fl_s, 2), "fairlearn_extrapolated_s": round(fl_s * N / FL_ROWS, 1),
        "groups": len(audit["by_group"]),
    }))


if __name__ == "__main__":
    main()
