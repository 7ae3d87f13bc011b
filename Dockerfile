FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY models ./models
COPY blocks ./blocks
COPY kits ./kits
RUN pip install . && useradd --create-home --uid 10001 bot && mkdir -p /data && chown bot /data

USER bot
ENV DATABASE_URL=sqlite:////data/interview-bot.db KITS_DIR=/app/kits PORT=3000
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\",\"3000\")}/healthz')"
CMD ["interview-bot", "serve"]
