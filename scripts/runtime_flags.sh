# V8 settings plastrond runs with (sourced by start.sh and compile.sh, so a
# checkout and the compiled binary behave alike).
#
# --max-semi-space-size=4 (MiB): V8 sizes its young generation from the
# machine's memory (up to ~100 MB here on 24 GiB); the RDF, CSV and HTTP work
# of a job makes short-lived garbage that then piles up to that size before a
# scavenge. Measured with a 600-object Turtle export through the daemon: peak
# RSS 190 MiB by default, 141-146 MiB with 4 MiB, at the same speed.
PLASTROND_V8_FLAGS="--v8-flags=--max-semi-space-size=4"
