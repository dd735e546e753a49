"""The DuckDB baseline of benches/compare.sh: the access-key lineage an analyst would write in SQL.

Reads every trail file under DIR with read_json, unnests the records, groups events by access
key (sessions) and joins each session to the STS call that issued its key. Prints the counts so
the work cannot be optimised away.

    python duckdb_lineage.py DIR [THREADS]
"""

import sys

import duckdb

RECORD = (
    "STRUCT("
    "eventTime VARCHAR, eventSource VARCHAR, eventName VARCHAR, eventID VARCHAR, "
    "recipientAccountId VARCHAR, sharedEventID VARCHAR, "
    "userIdentity STRUCT(type VARCHAR, arn VARCHAR, accessKeyId VARCHAR, invokedBy VARCHAR, "
    "sessionContext STRUCT(sourceIdentity VARCHAR), onBehalfOf STRUCT(userId VARCHAR)), "
    "responseElements JSON)[]"
)

QUERY = f"""
WITH records AS (
    SELECT unnest(Records) AS e
    FROM read_json('{{dir}}/**/*.json.gz', columns = {{{{'Records': '{RECORD}'}}}},
                   format = 'unstructured', maximum_object_size = 1073741824)
),
flat AS (
    SELECT e.eventID AS id,
           e.eventName AS name,
           e.userIdentity.accessKeyId AS access_key,
           e.userIdentity.arn AS arn,
           coalesce(e.userIdentity.onBehalfOf.userId, e.userIdentity.sessionContext.sourceIdentity) AS human,
           json_extract_string(e.responseElements, '$.credentials.accessKeyId') AS issued
    FROM records
),
events AS (SELECT DISTINCT ON (id) * FROM flat),
sessions AS (
    SELECT access_key, any_value(arn) AS arn, any_value(human) AS human, count(*) AS events
    FROM events WHERE access_key IS NOT NULL GROUP BY access_key
),
issuances AS (
    SELECT issued, any_value(access_key) AS parent FROM events WHERE issued IS NOT NULL GROUP BY issued
)
SELECT count(*) AS sessions,
       count(i.parent) AS with_parent,
       count(s.human) AS with_human,
       sum(s.events) AS events
FROM sessions s LEFT JOIN issuances i ON s.access_key = i.issued
"""


def main() -> None:
    directory = sys.argv[1]
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    row = con.execute(QUERY.format(dir=directory)).fetchone()
    print(f"sessions={row[0]} with_parent={row[1]} with_human={row[2]} events={row[3]}")


if __name__ == "__main__":
    main()
