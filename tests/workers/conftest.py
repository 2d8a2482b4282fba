"""Worker tests share the pipeline fixtures: a recording adapter and an in-process queue drain."""
from tests.app.publishing.conftest import app_config, run_jobs  # noqa: F401
