# rolwh-python:3.11-bookworm: Debian bookworm's python3 (3.11, with venv and ensurepip), tini and
# tzdata; the stand-in for python:3.11-slim-bookworm. `python` is on PATH as in the official image.
ARG ROOTFS
FROM ${ROOTFS}
RUN ln -s /usr/bin/python3 /usr/local/bin/python
ENV LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
CMD ["python3"]
