# radflag: one static binary, default models embedded.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /out/radflag ./cmd/radflag

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/radflag /usr/local/bin/radflag
USER nonroot
VOLUME /data
EXPOSE 2575 8080
ENTRYPOINT ["/usr/local/bin/radflag"]
CMD ["serve", "--data-dir", "/data", "--mllp-addr", "0.0.0.0:2575", "--http-addr", "0.0.0.0:8080"]
