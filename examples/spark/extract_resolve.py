"""newsdb at scale with PySpark (issue 13 #5): shard a JSON Lines corpus, run
`newsdb extract --format parquet` on each partition (the map step), resolve the
entities across the whole extract with `newsdb resolve --parquet`, and write the
entity table with Spark.

usage: extract_resolve.py NEWSDB_BIN CORPUS.jsonl WORK_DIR [PARTITIONS]

Writes WORK_DIR/extract/part-NNNNN/{articles,paragraphs,mentions}.parquet (one
directory per partition), WORK_DIR/resolved/{entities,mention_entities}.parquet and
WORK_DIR/entities.tsv (name, kind, mentions, articles; sorted). In local mode the
executors share the driver's file system; on a cluster, WORK_DIR must be a shared
file system (NFS, a mounted bucket) and NEWSDB_BIN present on every worker.
"""
import os
import subprocess
import sys
import tempfile
import time

from pyspark.sql import SparkSession


def main():
    newsdb, corpus, work = (os.path.abspath(a) for a in sys.argv[1:4])
    partitions = int(sys.argv[4]) if len(sys.argv) > 4 else 4
    extract_dir = os.path.join(work, "extract")
    resolved_dir = os.path.join(work, "resolved")
    os.makedirs(extract_dir, exist_ok=True)

    spark = (
        SparkSession.builder.master(os.environ.get("SPARK_MASTER", "local[2]"))
        .appName("newsdb-extract-resolve")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    sc = spark.sparkContext
    sc.setLogLevel("ERROR")

    started = time.time()
    lines = sc.textFile(corpus).filter(lambda l: l.strip())
    total = lines.count()
    # Range-partition by line number, so each partition holds consecutive records and
    # the partitions in order are the corpus in order (an import keeps the first of
    # two identical articles: the same one here).
    sharded = (
        lines.zipWithIndex()
        .map(lambda x: (x[1], x[0]))
        .partitionBy(partitions, lambda i: i * partitions // max(total, 1))
        .values()
    )

    def extract(index, records):
        out = os.path.join(extract_dir, f"part-{index:05d}")
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8") as f:
            n = 0
            for r in records:
                f.write(r + "\n")
                n += 1
            f.flush()
            if n == 0:
                return
            run = subprocess.run(
                [newsdb, "extract", f.name, "--format", "parquet", "--out", out,
                 "--force", "--jobs", "1", "--quiet"],
                capture_output=True, text=True,
            )
            if run.returncode != 0:
                raise RuntimeError(f"newsdb extract failed on partition {index}: {run.stderr}")
            yield (index, n)

    done = sharded.mapPartitionsWithIndex(extract).collect()
    extracted = time.time()
    print(f"extract: {sum(n for _, n in done)} articles in {len(done)} partitions, "
          f"{extracted - started:.1f} s")

    run = subprocess.run(
        [newsdb, "resolve", "--parquet", extract_dir, "--out", resolved_dir, "--force",
         "--format", "json"],
        capture_output=True, text=True, check=True,
    )
    resolved = time.time()
    print(f"resolve --parquet: {resolved - extracted:.1f} s")
    print(run.stdout.strip())

    # The extract and the resolution are ordinary Parquet tables for Spark.
    mentions = spark.read.parquet(os.path.join(extract_dir, "*", "mentions.parquet"))
    entities = spark.read.parquet(os.path.join(resolved_dir, "entities.parquet"))
    print(f"spark reads {mentions.count()} extracted mentions, {entities.count()} entities")
    entities.orderBy(entities.mentions.desc(), entities.name).show(10, truncate=False)
    rows = sorted(
        f"{r['name']}\t{r['kind']}\t{r['mentions']}\t{r['articles']}"
        for r in entities.select("name", "kind", "mentions", "articles").collect()
    )
    with open(os.path.join(work, "entities.tsv"), "w", encoding="utf-8") as f:
        f.write("".join(r + "\n" for r in rows))
    print(f"total {time.time() - started:.1f} s")
    spark.stop()


if __name__ == "__main__":
    main()
