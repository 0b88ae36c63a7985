"""The 三审 workflow: three review stages, each approved by its role's group, on the whole
page tree (every channel, and the city channels to come, unless an operator assigns them
a workflow of their own). It replaces the single-step workflow Wagtail seeds at the root."""

from django.db import migrations

# The groups' names as accounts.roles had them: a migration does not read live code.
STAGES = [("初审", "编辑/初审"), ("复审", "复审"), ("终审", "终审/总编辑")]


def create_workflow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Page = apps.get_model("wagtailcore", "Page")
    ReviewTask = apps.get_model("contributions", "ReviewTask")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")

    content_type, _ = ContentType.objects.get_or_create(app_label="contributions", model="reviewtask")
    workflow = Workflow.objects.create(name="三审", active=True)
    for order, (name, group_name) in enumerate(STAGES):
        task = ReviewTask.objects.create(name=name, content_type=content_type, active=True)
        task.groups.set([Group.objects.get_or_create(name=group_name)[0]])
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=order)
    root = Page.objects.filter(depth=1).order_by("path").first()
    if root is not None:
        WorkflowPage.objects.update_or_create(page=root, defaults={"workflow": workflow})


class Migration(migrations.Migration):
    dependencies = [
        ("contributions", "0002_submissions_review"),
        ("accounts", "0003_roles"),
        ("wagtailcore", "0048_add_default_workflows"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_workflow, migrations.RunPython.noop)]
