#!/usr/bin/env python3
"""tip-audit on Apache Spark: the map of a scan on the executors, its reduce on the driver.

    spark-submit spark/tip_audit_spark.py INPUT... --report REPORT.json
        [--summaries DIR] [--binary PATH] [--shard account-region-day|file]
        [--since TIME] [--until TIME] [--account ID] [--region NAME]
        [--link-window DURATION] [--link-skew DURATION] [--config FILE]
        [--format json|sarif|...] [--fail-on LEVEL] [--users FILE] [--export FORMAT=PATH]

The driver lists the input files (local or shared folders; `s3://bucket/prefix` with boto3),
cuts them into shards along the CloudTrail key layout (one shard per account, region and day,
or one per file), and ships the tip-audit binary with the job (`SparkContext.addFile`). Each
executor task runs `tip-audit summarize FILES... -o SHARD` on its shards and hands the shard
summaries back; the driver writes them to the summaries folder and runs `tip-audit merge` once,
which writes the report `tip-audit scan INPUT...` would print (provenance aside). The job exits
with the merge's status, the scan's: 0, 1 (findings at or above --fail-on) or 2.

Only PySpark: no scheduler, queue or RPC of its own. See docs/scale-out.md.
"""

import argparse
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile

# AWSLogs/[o-org/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/FILE: where CloudTrail delivers log files.
CLOUDTRAIL_KEY = re.compile(
    r"(?:^|/)AWSLogs/(?:o-[^/]+/)?(\d{12})/CloudTrail/([^/]+)/(\d{4})/(\d{2})/(\d{2})/"
)

# Options forwarded to `tip-audit summarize` (they shape the shards) and to `tip-audit merge`.
SUMMARIZE_OPTIONS = ["since", "until", "link_window", "link_skew"]
SUMMARIZE_LISTS = ["account", "region"]


def arguments(argv):
    parser = argparse.ArgumentParser(
        prog="tip_audit_spark.py",
        description="Run tip-audit summarize on Spark executors and tip-audit merge on the driver.",
    )
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="log files, folders, s3:// prefixes")
    parser.add_argument("--report", required=True, help="where the merged report goes")
    parser.add_argument("--summaries", help="folder for the shard summaries [default: a temporary one]")
    parser.add_argument("--binary", help="the tip-audit binary to ship [default: tip-audit on PATH]")
    parser.add_argument(
        "--shard",
        choices=["account-region-day", "file"],
        default="account-region-day",
        help="how the files are cut into shards [default: account-region-day]",
    )
    parser.add_argument("--format", default="json", help="the report's format [default: json]")
    parser.add_argument("--fail-on", dest="fail_on", help="as tip-audit scan --fail-on")
    parser.add_argument("--users", help="as tip-audit scan --users (a file on the driver)")
    parser.add_argument("--export", action="append", default=[], help="as tip-audit scan --export")
    parser.add_argument("--config", help="the policy file, shipped to the executors")
    parser.add_argument("--since")
    parser.add_argument("--until")
    parser.add_argument("--account", action="append", default=[])
    parser.add_argument("--region", action="append", default=[])
    parser.add_argument("--link-window", dest="link_window")
    parser.add_argument("--link-skew", dest="link_skew")
    return parser.parse_args(argv)


def list_inputs(inputs):
    """Every file under the inputs, as `tip-audit scan` would list them: folders walked, paths
    joined to the input as given (so that reports name them as a scan does)."""
    files = []
    for given in inputs:
        if given.startswith("s3://"):
            files.extend(list_s3(given))
        elif os.path.isdir(given):
            for folder, subfolders, names in os.walk(given):
                subfolders.sort()
                files.extend(os.path.join(folder, name) for name in names)
        elif os.path.exists(given):
            files.append(given)
        else:
            raise SystemExit(f"tip_audit_spark: {given}: no such file or folder")
    return sorted(set(files))


def list_s3(url):
    """The objects under an s3:// prefix (boto3, with the standard credential chain)."""
    try:
        import boto3
    except ImportError:
        raise SystemExit("tip_audit_spark: listing s3:// inputs needs boto3 on the driver (pip install boto3)")
    bucket, _, prefix = url[len("s3://"):].partition("/")
    pages = boto3.client("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    for page in pages:
        for item in page.get("Contents", []):
            yield f"s3://{bucket}/{item['Key']}"


def shard_key(path, how):
    """The shard a file belongs to: its account, region and day by the CloudTrail key layout
    (files outside the layout, digests among them, together), or the file itself."""
    if how == "file":
        return path
    found = CLOUDTRAIL_KEY.search(path.replace(os.sep, "/"))
    if not found:
        return "other"
    account, region, year, month, day = found.groups()
    return f"{account}-{region}-{year}-{month}-{day}"


def shards_of(files, how):
    """(key, files) pairs, in key order, each with its files in path order."""
    groups = {}
    for path in files:
        groups.setdefault(shard_key(path, how), []).append(path)
    return sorted((key, sorted(paths)) for key, paths in groups.items())


def summarize_options(args):
    """The options of `tip-audit summarize` but the policy file (shipped with the job, and
    named on each executor by where it landed there)."""
    options = []
    for name in SUMMARIZE_OPTIONS:
        value = getattr(args, name)
        if value is not None:
            options += ["--" + name.replace("_", "-"), value]
    for name in SUMMARIZE_LISTS:
        for value in getattr(args, name):
            options += ["--" + name, value]
    return options


def executable(path):
    """`path`, runnable: files shipped with a job may lose their execute bit."""
    mode = os.stat(path).st_mode
    if mode & stat.S_IXUSR:
        return path
    try:
        os.chmod(path, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        return path
    except OSError:
        copy = os.path.join(tempfile.mkdtemp(prefix="tip-audit-bin-"), os.path.basename(path))
        shutil.copy(path, copy)
        os.chmod(copy, 0o755)
        return copy


def summarize_shards(rows, binary_name, options, config_name, cwd, threads):
    """On an executor: `tip-audit summarize` for each shard of the partition; yields
    (index, key, summary bytes)."""
    from pyspark import SparkFiles

    binary = executable(SparkFiles.get(binary_name))
    extra = list(options)
    if config_name:
        extra += ["--config", SparkFiles.get(config_name)]
    workdir = cwd if os.path.isdir(cwd) else None
    for index, key, files in rows:
        with tempfile.TemporaryDirectory(prefix="tip-audit-shard-") as scratch:
            shard = os.path.join(scratch, "part.shard")
            command = [binary, "--quiet", "summarize", *files, "-o", shard, "--threads", str(threads), *extra]
            done = subprocess.run(command, cwd=workdir, capture_output=True)
            if done.returncode != 0:
                raise RuntimeError(
                    f"tip-audit summarize of shard {key} exited {done.returncode}: "
                    + done.stderr.decode("utf-8", "replace")
                )
            with open(shard, "rb") as summary:
                yield index, key, summary.read()


def safe_name(key):
    """A file name for a shard key."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", key)[-120:]


def main(argv):
    args = arguments(argv)
    binary = args.binary or shutil.which("tip-audit")
    if not binary or not os.path.isfile(binary):
        raise SystemExit("tip_audit_spark: no tip-audit binary: give --binary PATH or put it on PATH")
    binary = os.path.abspath(binary)
    runnable = executable(binary)
    cwd = os.getcwd()
    summaries = args.summaries or tempfile.mkdtemp(prefix="tip-audit-summaries-")
    os.makedirs(summaries, exist_ok=True)
    if any(name.endswith(".shard") for name in os.listdir(summaries)):
        raise SystemExit(
            f"tip_audit_spark: {summaries} already holds shard summaries: remove them or name another folder"
        )
    files = list_inputs(args.inputs)
    shards = shards_of(files, args.shard)
    options = summarize_options(args)
    config_name = os.path.basename(args.config) if args.config else None

    if shards:
        from pyspark.sql import SparkSession

        spark = SparkSession.builder.appName("tip-audit").getOrCreate()
        context = spark.sparkContext
        context.setLogLevel("WARN")
        context.addFile(binary)
        if args.config:
            context.addFile(os.path.abspath(args.config))
        threads = int(context.getConf().get("spark.task.cpus", "1"))
        binary_name = os.path.basename(binary)
        rows = [(index, key, paths) for index, (key, paths) in enumerate(shards)]
        summaries_rdd = context.parallelize(rows, max(1, min(len(rows), 10000))).mapPartitions(
            lambda part: summarize_shards(part, binary_name, options, config_name, cwd, threads)
        )
        written = 0
        for index, key, data in summaries_rdd.toLocalIterator():
            with open(os.path.join(summaries, f"{index:06d}-{safe_name(key)}.shard"), "wb") as out:
                out.write(data)
            written += 1
        spark.stop()
        print(f"tip_audit_spark: {written} shard summaries of {len(files)} files in {summaries}", file=sys.stderr)
    else:
        # Nothing to cut: one summary of the inputs as given, so that the merge says, as a scan
        # would, that nothing was audited.
        empty = os.path.join(summaries, "000000-empty.shard")
        command = [runnable, "--quiet", "summarize", *args.inputs, "-o", empty, *options]
        if args.config:
            command += ["--config", args.config]
        done = subprocess.run(command)
        if done.returncode != 0:
            return done.returncode

    merge = [runnable, "merge", summaries, "--format", args.format, "-o", args.report]
    if args.fail_on:
        merge += ["--fail-on", args.fail_on]
    if args.users:
        merge += ["--users", args.users]
    for export in args.export:
        merge += ["--export", export]
    return subprocess.run(merge).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
