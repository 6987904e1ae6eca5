# Lantern: one static binary with the views, locales, static files and seed
# data embedded. Build: docker build -t lantern .
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Pure Go (SQLite driver included), so the binary is static.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/lantern ./app \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/lantern /lantern
COPY --from=build --chown=nonroot:nonroot /out/data /data
USER nonroot:nonroot
ENV PORT=8080 \
    DATABASE_URL=sqlite:/data/lantern.db \
    LOG_FORMAT=json
EXPOSE 8080
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["/lantern", "healthcheck"]
ENTRYPOINT ["/lantern"]
CMD ["serve"]
