#!/usr/bin/env python3
"""PESQ-WB table of the deep-PLC decodes written by the `neural_quality` tool.

    cargo run --release -p dred-opus-testvectors --bin neural_quality -- --out DIR
    pip install pesq numpy
    python3 testvectors/scripts/pesq_table.py DIR [--out table.md]

Reads DIR/cases.jsonl, scores every decode (ours, libopus SIMD, libopus generic, ours at
complexity 0 = classic PLC) against DIR/clean.wav with PESQ in wideband mode (ITU-T P.862.2,
16 kHz), and prints a Markdown table. Decodes and reference are 16 kHz mono 16-bit; PESQ
aligns the decoder delay itself. Not part of `cargo test`.

    cargo run --release -p dred-opus-testvectors --bin neural_quality -- --strategies --out DIR
    python3 testvectors/scripts/pesq_table.py --strategies DIR [--out table.md]

With --strategies, reads DIR/strategies.jsonl instead and prints the recovery-strategy table
(per bitrate x loss x strategy: PESQ-WB ours / libopus SIMD / libopus generic, |ours - SIMD|).
"""
import argparse
import json
import math
import sys
import wave
from pathlib import Path

import numpy as np
from pesq import pesq

LIMIT = 0.05  # |PESQ ours - PESQ SIMD| must not exceed this


def read_wav(path):
    with wave.open(str(path), "rb") as w:
        if w.getnchannels() != 1 or w.getsampwidth() != 2 or w.getframerate() != 16000:
            sys.exit(f"{path}: need 16 kHz mono 16-bit")
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)


def score(ref, path):
    deg = read_wav(path)
    n = min(len(ref), len(deg))
    return pesq(16000, ref[:n], deg[:n], "wb")


def fmt_snr(x):
    return "∞ (identical)" if x is None else f"{x:.1f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", type=Path)
    ap.add_argument("--out", type=Path, help="also write the table to this file")
    ap.add_argument("--strategies", action="store_true", help="score DIR/strategies.jsonl")
    args = ap.parse_args()
    if args.strategies:
        return strategies(args)
    ref = read_wav(args.dir / "clean.wav")
    rows = []
    worst = 0.0
    for line in (args.dir / "cases.jsonl").read_text().splitlines():
        c = json.loads(line)
        s = {who: score(ref, args.dir / f) for who, f in c["files"].items()}
        d = abs(s["ours"] - s["simd"])
        worst = max(worst, d)
        v = c["ours_vs_simd"]
        loss = "none" if c["loss"] == "none" else f'{c["loss_kind"].lower()} {c["target_percent"]} % ({c["actual_percent"]:.1f} %)'
        rows.append(
            f'| {c["stream"]} | {loss} | {s["ours"]:.3f} | {s["simd"]:.3f} | {s["generic"]:.3f} | '
            f'{d:.3f}{"" if d <= LIMIT else " **over 0.05**"} | {s["classic"]:.3f} | '
            f'{fmt_snr(v["snr_db"])} | {fmt_snr(v["snr_concealed_db"])} | '
            f'{"yes" if c["ours_bitexact_generic"] and c["ranges_equal_generic"] else "NO"} |'
        )
        print(rows[-1], file=sys.stderr)
    table = (
        "| Stream | Loss (actual) | PESQ-WB ours | libopus SIMD | libopus generic | \\|ours − SIMD\\| | "
        "classic PLC (ours, complexity 0) | SNR ours vs SIMD, dB | … in concealed frames, dB | ours ≡ generic |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|---:|:---:|\n" + "\n".join(rows) + "\n"
    )
    table += f"\nLargest |ours − SIMD|: {worst:.3f} ({'within' if worst <= LIMIT else 'OVER'} the {LIMIT} limit).\n"
    print(table)
    if args.out:
        args.out.write_text(table)
    return 0 if worst <= LIMIT else 1


def strategies(args):
    ref = read_wav(args.dir / "clean.wav")
    rows = []
    over = []
    worst = 0.0
    for line in (args.dir / "strategies.jsonl").read_text().splitlines():
        c = json.loads(line)
        s = {who: score(ref, args.dir / f) for who, f in c["files"].items()}
        d = abs(s["ours"] - s["simd"])
        worst = max(worst, d)
        if d > LIMIT:
            over.append(f'{c["bitrate"] // 1000} kb/s, {c["loss"]}, {c["strategy"]}: {d:.3f}')
        rows.append(
            f'| {c["bitrate"] // 1000} kb/s ({c["kbps"]:.1f}) | random {c["target_percent"]} % ({c["actual_percent"]:.1f} %) | '
            f'{c["strategy"]} | {c["lbrr"]} / {c["dred"]} / {c["plc"]} | '
            f'{s["ours"]:.3f} | {s["simd"]:.3f} | {s["generic"]:.3f} | '
            f'{d:.3f}{"" if d <= LIMIT else " **over 0.05**"} | {"yes" if c["ours_bitexact_generic"] else "NO"} |'
        )
        print(rows[-1], file=sys.stderr)
    table = (
        "| Bitrate (actual kb/s) | Loss (actual) | Strategy | lost packets: LBRR / dred_decode / PLC | "
        "PESQ-WB ours | libopus SIMD | libopus generic | \\|ours − SIMD\\| | ours ≡ generic |\n"
        "|---|---|---|---|---:|---:|---:|---:|:---:|\n" + "\n".join(rows) + "\n"
    )
    table += f"\nLargest |ours − SIMD|: {worst:.3f}"
    table += (" (within the 0.05 limit).\n" if not over else
              f"; over the {LIMIT} limit in {len(over)} case(s): " + "; ".join(over) + ".\n")
    print(table)
    if args.out:
        args.out.write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
