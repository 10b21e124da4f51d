# Build a static wxpub binary, then ship it alone on a minimal base as a non-root user.
FROM golang:1.27.3 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/wxpub ./cmd/wxpub

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/wxpub /usr/local/bin/wxpub
USER nonroot:nonroot
WORKDIR /home/nonroot
ENTRYPOINT ["wxpub"]
