# The medcab binary in a small image. Builds offline from the committed
# .sqlx query data: no database is needed at build time.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
ENV SQLX_OFFLINE=true
RUN cargo build --release --locked -p medcab-bot --bin medcab

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 medcab
COPY --from=build /src/target/release/medcab /usr/local/bin/medcab
USER medcab
EXPOSE 8080
ENTRYPOINT ["medcab"]
CMD ["run"]
