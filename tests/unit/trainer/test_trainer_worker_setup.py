"""Worker configuration: the guarantees long jobs rely on, and a torch-free parent process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from spikeglyph.job_queue import QUEUE, TASK_NAMES, VISIBILITY_TIMEOUT_S
from spikeglyph_trainer.celery_app import create_app, trainer_config
from spikeglyph_trainer.main import worker_argv
from spikeglyph_trainer.settings import TrainerSettings


def test_a_killed_job_is_redelivered_and_never_prefetched_behind_a_long_one() -> None:
    config = trainer_config(TrainerSettings())
    assert config["task_acks_late"] is True
    assert config["task_reject_on_worker_lost"] is True
    assert config["worker_prefetch_multiplier"] == 1


def test_a_job_running_when_redis_drops_is_cancelled_not_run_twice() -> None:
    # Redelivered on reconnect (late ack), the job resumes from its checkpoint; the running
    # copy stops instead of racing it. Set explicitly, so Celery warns on no reconnect.
    app = create_app(TrainerSettings())
    assert app.conf.worker_cancel_long_running_tasks_on_connection_loss is True
    assert app.conf.task_acks_late is True


def test_time_limits_stay_below_the_visibility_timeout() -> None:
    config = trainer_config(TrainerSettings())
    assert config["task_soft_time_limit"] < config["task_time_limit"]
    assert config["task_time_limit"] < VISIBILITY_TIMEOUT_S
    assert config["broker_transport_options"]["visibility_timeout"] == VISIBILITY_TIMEOUT_S


def test_a_soft_limit_above_the_hard_one_is_clamped() -> None:
    config = trainer_config(TrainerSettings(hard_time_limit_s=600, soft_time_limit_s=900))
    assert config["task_soft_time_limit"] < config["task_time_limit"] == 600


def test_the_app_serves_every_job_kind_by_its_contract_name() -> None:
    app = create_app(TrainerSettings())
    app.loader.import_default_modules()
    assert set(TASK_NAMES.values()) <= set(app.tasks.keys())


def test_worker_defaults_consume_the_job_queue_one_job_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SPIKEGLYPH_HOSTNAME", "trainer@box")
    argv = worker_argv(TrainerSettings(), ["--without-gossip"])
    assert argv[:1] == ["worker"]
    assert argv[argv.index("--queues") + 1] == QUEUE
    assert argv[argv.index("--concurrency") + 1] == "1"
    assert argv[argv.index("--hostname") + 1] == "trainer@box"
    assert argv[-1] == "--without-gossip"


def test_job_directories_default_next_to_the_artifact_store(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SPIKEGLYPH_ARTIFACTS_DIR", str(tmp_path / "var" / "artifacts"))
    settings = TrainerSettings()
    assert settings.job_workdir("abc") == tmp_path / "var" / "jobs" / "abc"
    monkeypatch.setenv("SPIKEGLYPH_WORK_DIR", str(tmp_path / "scratch"))
    assert TrainerSettings().job_workdir("abc") == tmp_path / "scratch" / "abc"
    assert settings.job_tensorboard_dir("abc") == tmp_path / "var" / "tensorboard" / "abc"
    monkeypatch.setenv("SPIKEGLYPH_TENSORBOARD_DIR", str(tmp_path / "tb"))
    assert TrainerSettings().job_tensorboard_dir("abc") == tmp_path / "tb" / "abc"


def test_the_worker_parent_never_imports_torch() -> None:
    """CUDA is not fork-safe: torch may load only in the pool child that runs a job."""
    code = (
        "import sys\n"
        "from spikeglyph_trainer.celery_app import create_app\n"
        "from spikeglyph_trainer.settings import TrainerSettings\n"
        "import spikeglyph_trainer.main, spikeglyph_trainer.maintenance\n"
        "app = create_app(TrainerSettings())\n"
        "app.loader.import_default_modules()\n"
        "app.finalize()\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "False"
