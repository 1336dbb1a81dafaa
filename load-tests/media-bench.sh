#!/usr/bin/env bash
# What one uploaded photo costs the server: BenchmarkDotNet over LivePoll's photo pipeline (SkiaSharp) on a 12-megapixel
# 4000x3000 JPEG, beside the same renditions made with NetVips (libvips), then the time and CPU of each measured in one
# process (libvips works on several threads, so its time is less than its CPU). Figures: load-tests/README.md.
#
#   load-tests/media-bench.sh
set -euo pipefail
cd "$(dirname "$0")/LivePoll.Benchmarks"
dotnet build -c Release --nologo -v quiet
dotnet run -c Release --no-build -- --filter '*PhotoBenchmarks*'
dotnet run -c Release --no-build -- parts
