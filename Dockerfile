# syntax=docker/dockerfile:1

# Build: the component for wasm32-wasip2, the runner for the host, and the
# component precompiled by the runner itself (scripts/build-release.sh).
FROM rust:1.95.0-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN scripts/build-release.sh /app

# Run: no shell, no package manager, not root. The precompiled component
# sits beside the runner, which finds it there. On x86_64 it is compiled for
# x86-64-v3 (AVX2), not for the build machine's CPU, so it starts on any
# Fargate host; the runner refuses it with a clear error on an older CPU.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /app /app
ENV FACTORIAL_LISTEN=0.0.0.0:5000
EXPOSE 5000
# 65532 is distroless's `nonroot` user, numeric so any runtime can resolve it.
USER 65532:65532
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/app/factorial-runner", "healthcheck"]
ENTRYPOINT ["/app/factorial-runner"]
