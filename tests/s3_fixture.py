"""Sets up buckets on the loopback S3 server of tests/cli/s3.rs (moto's server mode), with boto3.

Usage: python s3_fixture.py ENDPOINT COMMAND ARGS...

  bucket NAME                      create a bucket
  upload BUCKET DIR [PREFIX]       upload every file under DIR, keyed PREFIX + its path from DIR;
                                   a `<file>.sig` beside a file becomes that object's
                                   `x-amz-meta-signature` (as CloudTrail stores a digest's
                                   signature) instead of an object of its own
  put BUCKET KEY FILE              upload one file
  delete BUCKET KEY                delete one object
  user NAME                        create an IAM user allowed everything, and an access key;
                                   prints "AKID SECRET" (three requests)

Credentials come from the environment the test sets (AWS_ACCESS_KEY_ID=test, ...); nothing here
ever talks to AWS: every client is pointed at ENDPOINT.
"""

import os
import sys
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config


def client(endpoint, service):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, max_pool_connections=16),
    )


def upload(s3, bucket, root, prefix):
    jobs = []
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            if name.endswith(".sig") and os.path.exists(path[: -len(".sig")]):
                continue
            key = prefix + os.path.relpath(path, root).replace(os.sep, "/")
            extra = {}
            if os.path.exists(path + ".sig"):
                with open(path + ".sig") as sig:
                    extra["Metadata"] = {"signature": sig.read().strip()}
            jobs.append((path, key, extra))

    def put(job):
        path, key, extra = job
        with open(path, "rb") as body:
            s3.put_object(Bucket=bucket, Key=key, Body=body.read(), **extra)

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(put, jobs))
    print(len(jobs))


def main(argv):
    endpoint, command, args = argv[1], argv[2], argv[3:]
    if command == "user":
        iam = client(endpoint, "iam")
        iam.create_user(UserName=args[0])
        key = iam.create_access_key(UserName=args[0])["AccessKey"]
        everything = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
        iam.put_user_policy(UserName=args[0], PolicyName="all", PolicyDocument=everything)
        print(key["AccessKeyId"], key["SecretAccessKey"])
        return
    s3 = client(endpoint, "s3")
    if command == "bucket":
        s3.create_bucket(Bucket=args[0])
    elif command == "upload":
        upload(s3, args[0], args[1], args[2] if len(args) > 2 else "")
    elif command == "put":
        with open(args[2], "rb") as body:
            s3.put_object(Bucket=args[0], Key=args[1], Body=body.read())
    elif command == "delete":
        s3.delete_object(Bucket=args[0], Key=args[1])
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv)
