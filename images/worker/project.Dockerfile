# syntax=docker/dockerfile:1
# An image for one MXCP project: the worker image, plus the project's Python dependencies
# (requirements.txt, when the project has one) in a virtual environment that Python endpoints run
# in, plus the project files in /project. Build with the project directory as the context:
#
#   docker build -f images/worker/project.Dockerfile -t registry.example.com/sales-mcp:1.4.0 path/to/project
#
# then point an MxcpProject at it with spec.image (config/samples/mxcp_v1alpha1_mxcpproject_python_image.yaml).
# See docs/images.md.

ARG WORKER_IMAGE=ghcr.io/mxcp-operator/mxcp-worker:0.1.0
FROM ${WORKER_IMAGE}

# The project directory inside the build context (default: the context itself).
ARG PROJECT_DIR=.

# The venv lives outside /project, so the operator mounting the project files over /etc/mxcp/project
# (or anything mounted over /project) leaves it in place. Created as root, then handed to uid 1000.
USER 0:0
RUN mkdir -p /opt/venv && chown 1000:1000 /opt/venv
USER 1000:1000
RUN python3 -m venv /opt/venv

COPY --chown=1000:1000 ${PROJECT_DIR} /project
# Only when the project has a requirements.txt; a project with none still gets the (empty) venv.
RUN if [ -f /project/requirements.txt ]; then \
      /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check -r /project/requirements.txt; \
    fi

# Python endpoints run in the venv's interpreter (the worker's mxcp package stays first on PYTHONPATH).
ENV MXCP_PYTHON=/opt/venv/bin/python \
    PATH=/opt/venv/bin:${PATH}
