"""The command line: ``python -m checker COMMAND``."""

from __future__ import annotations

import argparse
import sys

import raft


def _demo(args: argparse.Namespace) -> int:
    cluster = raft.RaftCluster([1, 2, 3], seed=args.seed)
    leader = cluster.run_until_leader()
    print(f"leader elected: node {leader} in term {cluster.nodes[leader].current_term}")
    for i in range(3):
        result = cluster.submit(f"set x={i}")
        print(f"submitted {result['entry']}")
    committed = cluster.run_until_committed(3)
    for _ in range(2):  # Followers learn the commit index with the next heartbeats.
        cluster.tick(raft.HEARTBEAT_INTERVAL)
    print(f"committed on the leader: {committed}")
    for node_id, node in cluster.nodes.items():
        log = ", ".join(f"{e.term}:{e.command}" for e in node.get_committed_entries())
        print(f"node {node_id} ({node.state}, term {node.current_term}): [{log}]")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m checker")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="a 3-node cluster elects a leader and commits three commands")
    demo.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    return _demo(args)
