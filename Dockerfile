# contactd's container image: the static (no-cgo) binary, CA certificates
# and an empty /data owned by the non-root user, on no base image (no
# shell, no curl: the health check is `contactd healthcheck`).
#
#   docker build -t contactd .
#   docker run --rm -p 8080:8080 contactd serve --sandbox
#
# The build stage's output is /out, laid out as the image's root; offline,
# a directory of that layout can stand in for the stage (podman/buildah
# --build-context build=DIR, as .ci/image does). docs/operations.md has more.

ARG GO_VERSION=1.26.8

FROM docker.io/library/golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum go.work go.work.sum ./
COPY client/go.mod client/go.sum ./client/
RUN go mod download
COPY . .
ARG VERSION=""
ARG COMMIT=""
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false \
        -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" \
        -o /out/usr/local/bin/contactd ./cmd/contactd && \
    mkdir -p /out/etc/ssl/certs /out/data && \
    cp /etc/ssl/certs/ca-certificates.crt /out/etc/ssl/certs/

FROM scratch
COPY --from=build /out/etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/usr/local/bin/contactd /usr/local/bin/contactd
COPY --from=build --chown=65532:65532 /out/data /data
# 65532 is no user of the host's; the image has no /etc/passwd to name it.
USER 65532:65532
WORKDIR /data
ENV CONTACTD_ADDR=0.0.0.0:8080 \
    CONTACTD_DB=/data/contactd.db \
    CONTACTD_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/contactd", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/contactd"]
CMD ["serve"]
