#!/usr/bin/python3
"""The gateway throughput benchmark's requests from Python asyncio + aiohttp, for comparison.

usage: gateway_aiohttp.py URL [--requests N] [--concurrency N] [--prompt-bytes N]

Sends the same kind of ~1 KB json_object chat request as bench_gateway (CompactTaskCodec's
shape: instructions padded to the prompt size, one movie to rate, max_tokens 160), keeping
`concurrency` requests in flight over one aiohttp session, parses each response and the JSON
answer inside it, and prints requests/s and CPU per request in bench_gateway's key=value form.
"""
import argparse
import asyncio
import json
import resource
import time

import aiohttp

INSTRUCTIONS = ("You play one user of a movie recommender. Rate each candidate movie as this user "
                "would, on a scale of 1 to 5, and explain each rating in one sentence that refers "
                "to the user's taste. Answer with one json object and nothing else. ")
CONTEXT = ("The user prefers thoughtful dramas and clever comedies, dislikes loud action, and "
           "rates generously when a film has strong characters. ")


def body_for(n, prompt_bytes):
    system = INSTRUCTIONS + "Profile: Enjoys quiet character dramas and dry comedies; avoids horror. "
    while len(system) + len(CONTEXT) < prompt_bytes:
        system += CONTEXT
    item = n % 1682
    user = ('Rate these movies. Answer with this json object: {"item_%d": {"explanation": "...", '
            '"rating": <one of: 1, 2, 3, 4, 5>}}' % item)
    return json.dumps({
        "model": "gpt-4o-mini",
        "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
        "max_tokens": 160,
        "seed": 7,
        "response_format": {"type": "json_object"},
        "user": "lusifer-user-%d" % (n % 100000),
    }), item


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--requests", type=int, default=10000)
    parser.add_argument("--concurrency", type=int, default=256)
    parser.add_argument("--prompt-bytes", type=int, default=1000)
    args = parser.parse_args()
    endpoint = args.url.rstrip("/") + "/chat/completions"
    counter = iter(range(args.requests))
    ok = failed = 0

    async def worker(session):
        nonlocal ok, failed
        for n in counter:
            body, item = body_for(n, args.prompt_bytes)
            try:
                async with session.post(endpoint, data=body,
                                        headers={"Content-Type": "application/json"}) as response:
                    payload = await response.read()
                if response.status != 200:
                    failed += 1
                    continue
                answer = json.loads(json.loads(payload)["choices"][0]["message"]["content"])
                rating = answer["item_%d" % item]["rating"]
                if 1 <= rating <= 5:
                    ok += 1
                else:
                    failed += 1
            except (aiohttp.ClientError, ValueError, KeyError, TypeError):
                failed += 1

    connector = aiohttp.TCPConnector(limit=args.concurrency)
    timeout = aiohttp.ClientTimeout(total=60)
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    start = time.monotonic()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(worker(session) for _ in range(args.concurrency)))
    wall = time.monotonic() - start
    usage1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
    print("label=python-aiohttp requests=%d concurrency=%d ok=%d failed=%d wall_s=%.2f req_per_s=%.0f "
          "cpu_s=%.2f cpu_us_per_req=%.1f" % (args.requests, args.concurrency, ok, failed, wall,
                                               args.requests / wall, cpu, cpu * 1e6 / args.requests))


asyncio.run(main())
