# Sourced by bench/run and bench/sandbox-start: compiles the classes the benchmarks share (bench/lib/*.java) into
# $BENCH_CLASSES, for the class path of the single-file programs (java's source launcher compiles one file on JDK 21).
BENCH_CLASSES=target/bench-classes
"$JAVA_HOME/bin/javac" -d "$BENCH_CLASSES" -cp target/slipway.jar bench/lib/*.java
