"""Import jobs: states, the background path, progress, who sees which job."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from wangge.people.identity import make_resident_id
from wangge.people.models import Person
from wangge.transfer.models import ImportJob
from wangge.transfer.selectors import import_job_list
from wangge.transfer.services import ProgressFile, import_cancel, import_commit, read_progress
from wangge.transfer.tests.files import commit, counts, import_dir, preview, web_actor  # noqa: F401

HEADER = ["姓名", "身份证号", "房屋编码", "与房屋关系", "入住日期"]


def people_rows(world, n: int, start: int = 0) -> list[list]:
    birth = datetime.date(1990, 1, 1)
    return [HEADER] + [
        [
            f"测试{i}",
            make_resident_id("350205", birth + datetime.timedelta(days=i // 500), i % 500 * 2 + 1),
            world.a1.house.house_code,
            "租客",
            "2024-01-05",
        ]
        for i in range(start, start + n)
    ]


def test_a_job_moves_uploaded_previewed_importing_done_and_only_forward(world):
    job = preview(world.users.grid_worker, "people", people_rows(world, 3))
    assert (job.status, job.total_rows, job.background) == ("previewed", 3, False)
    assert job.previewed_at is not None and job.scope == world.grid_a1.code
    job = commit(job)
    assert job.status == "done" and job.finished_at >= job.started_at
    with pytest.raises(ValidationError, match="不能导入"):
        commit(job)
    with pytest.raises(ValidationError, match="不能取消"):
        import_cancel(actor=web_actor(job.user), job=job)


def test_a_cancelled_preview_writes_nothing_and_cannot_be_imported(world):
    job = preview(world.users.grid_worker, "people", people_rows(world, 3))
    before = Person.objects.count()
    import_cancel(actor=web_actor(world.users.grid_worker), job=job)
    assert ImportJob.objects.get(pk=job.pk).status == "cancelled"
    with pytest.raises(ValidationError):
        commit(job)
    assert Person.objects.count() == before


def test_two_commits_of_one_preview_import_once(world):
    job = preview(world.users.grid_worker, "people", people_rows(world, 2))
    stale = ImportJob.objects.get(pk=job.pk)
    commit(job)
    with pytest.raises(ValidationError):
        commit(stale)
    assert Person.objects.filter(name__startswith="测试").count() == 2


def test_only_the_uploader_may_confirm(world):
    """An administrator follows the job of a worker they manage but does not decide for them."""
    job = preview(world.users.grid_worker, "people", people_rows(world, 2))
    assert job in import_job_list(user=world.users.community_admin)
    with pytest.raises(PermissionDenied):
        import_commit(actor=web_actor(world.users.community_admin), job=job)
    assert ImportJob.objects.get(pk=job.pk).status == "previewed"


@pytest.mark.parametrize("name", ["大文件.csv", "大文件.xlsx"])
def test_large_files_run_as_background_jobs(world, settings, name):
    """Above the threshold (rows counted without reading the file) both steps are django-tasks jobs, run at
    once here by the immediate backend."""
    settings.IMPORT_BACKGROUND_ROWS = 8
    small = preview(world.users.grid_worker, "people", people_rows(world, 6), name=name)
    assert not small.background
    job = preview(world.users.grid_worker, "people", people_rows(world, 8, start=20), name=name)
    assert job.background and job.status == "previewed" and counts(job) == (8, 0, 0, 0)
    job = commit(job)
    assert job.status == "done"
    assert Person.objects.filter(name__startswith="测试").count() == 8


def test_a_background_job_waits_for_the_worker(world, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.IMPORT_BACKGROUND_ROWS = 5
    job = preview(world.users.grid_worker, "people", people_rows(world, 8), name="大文件.csv")
    assert (job.background, job.status) == (True, "uploaded")
    from django_tasks_db.models import DBTaskResult

    task = DBTaskResult.objects.get()
    assert task.task_path == "wangge.transfer.tasks.run_import_step"
    assert task.args_kwargs == {"args": [job.pk, "preview"], "kwargs": {}}
    # What the worker then does:
    from wangge.transfer.tasks import run_import_step

    run_import_step.call(job.pk, "preview")
    assert ImportJob.objects.get(pk=job.pk).status == "previewed"


def test_progress_is_read_from_its_file_while_a_step_runs(world, monkeypatch):
    from wangge.transfer import services

    monkeypatch.setattr(services, "PROGRESS_EVERY", 0)
    job = preview(world.users.grid_worker, "people", people_rows(world, 2))
    assert read_progress(job) == {}  # finished: nothing running, nothing shown
    job.status = "importing"
    progress = ProgressFile(job, "正在导入")
    progress.phase("正在写入", total=200)
    progress.writing(120, 200)
    assert read_progress(job) == {"title": "正在导入", "label": "正在写入", "done": 120, "total": 200}
    job.progress_path.write_text("{broken")
    assert read_progress(job) == {}


def test_each_user_sees_their_own_jobs_and_admins_those_they_manage(world):
    mine = preview(world.users.grid_worker, "people", people_rows(world, 1))
    theirs = preview(world.users.grid_worker_b, "people", people_rows(world, 1, start=10))
    assert list(import_job_list(user=world.users.grid_worker)) == [mine]
    assert list(import_job_list(user=world.users.informant)) == []
    assert set(import_job_list(user=world.users.community_admin)) == {mine}
    assert set(import_job_list(user=world.users.district_admin)) == {mine, theirs}
