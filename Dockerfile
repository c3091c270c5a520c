# syntax=docker/dockerfile:1

# Build, on the build machine's own platform whatever the image's: the
# component, the runner for the image's architecture (cross-compiled when it
# differs), the component precompiled for it, and the C library files the
# runner loads, laid out as the image's root filesystem in /out/ARCH
# (scripts/build-release.sh). scripts/image.sh can stand a local folder in
# for this stage.
FROM --platform=$BUILDPLATFORM docker.io/library/rust:1.95.0-slim-bookworm AS build
ARG TARGETARCH
WORKDIR /src
COPY . .
RUN scripts/build-release.sh "/out/${TARGETARCH}" "${TARGETARCH}"

# Run: the runner, its precompiled component and the C library, nothing else:
# no shell, no package manager, not root. The runner finds the component
# beside itself, and on amd64 serves the artifact for the best CPU level the
# host has (x86-64-v4 or the x86-64-v3 baseline).
FROM scratch
ARG TARGETARCH
COPY --from=build /out/${TARGETARCH}/ /
ENV FACTORIAL_LISTEN=0.0.0.0:5000
EXPOSE 5000
# Numeric, as there is no /etc/passwd: 65532 is the usual `nonroot` user.
USER 65532:65532
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/app/factorial-runner", "healthcheck"]
ENTRYPOINT ["/app/factorial-runner"]
