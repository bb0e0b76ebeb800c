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
# The voter pages' ballot code (bundled by npm) and the compiled French catalogue are built in
# the checkout first, by `make static messages` (`make compose-smoke` does); an image without
# them would serve voting pages that cannot encrypt.
RUN test -f apps/pages/static/pages/build/ballot.js && test -f locale/fr/LC_MESSAGES/django.mo \
    || { echo "run make static messages in the checkout before building the image" >&2; exit 1; }
RUN useradd --system --home-dir /app evoting \
    && mkdir -p /app/var "$NETWORK_DIR" /var/evoting/metrics \
    && chown -R evoting /app/var /var/evoting
USER evoting

EXPOSE 8000
CMD ["gunicorn", "evoting.wsgi:application", "--bind", "0.0.0.0:8000"]
