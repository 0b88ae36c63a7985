"""Wagtail seeds the groups "Editors" and "Moderators" and a one-step "Moderators approval"
workflow; the roles (accounts) and 三审 replace them, and editors met them beside ours in
English. They are removed where nothing uses them: a group nobody is in, a workflow on no
page that never ran. A site that did use them keeps them."""

from django.db import migrations

SEEDED_GROUPS = ["Editors", "Moderators"]
SEEDED_WORKFLOW = "Moderators approval"


def remove_unused(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Task = apps.get_model("wagtailcore", "Task")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    WorkflowState = apps.get_model("wagtailcore", "WorkflowState")
    TaskState = apps.get_model("wagtailcore", "TaskState")

    for workflow in Workflow.objects.filter(name=SEEDED_WORKFLOW):
        if WorkflowPage.objects.filter(workflow=workflow).exists() or WorkflowState.objects.filter(workflow=workflow).exists():
            continue
        task_ids = list(workflow.workflow_tasks.values_list("task_id", flat=True))
        workflow.delete()
        Task.objects.filter(pk__in=task_ids, workflow_tasks__isnull=True).exclude(
            pk__in=TaskState.objects.values("task_id")).delete()
    Group.objects.filter(name__in=SEEDED_GROUPS, user__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contributions", "0003_review_workflow"),
        ("wagtailcore", "0048_add_default_workflows"),
    ]
    operations = [migrations.RunPython(remove_unused, migrations.RunPython.noop)]
