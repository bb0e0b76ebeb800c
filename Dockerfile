# One image for every process: backend, validator nodes, bootnode. docker-compose.yml picks the
# command per service.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    NETWORK_DIR=/var/evoting/network

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
RUN useradd --system --home-dir /app evoting \
    && mkdir -p /app/var "$NETWORK_DIR" /var/evoting/metrics \
    && chown -R evoting /app/var /var/evoting
USER evoting

EXPOSE 8000
CMD ["gunicorn", "evoting.wsgi:application", "--bind", "0.0.0.0:8000"]
