"""Every command of ours explains itself in Chinese with --help; argparse formats the lazily
translated help texts, which must therefore be strings by then."""

import pytest

from dangjian.testing.processes import clean_env, dangjian

COMMANDS = ["backup", "restore", "serve", "worker", "scheduler", "nginx_config", "demo"]


@pytest.mark.parametrize("command", COMMANDS)
def test_help_works_and_is_chinese(command, tmp_path):
    result = dangjian(command, "--help", env=clean_env(tmp_path))
    assert result.returncode == 0, result.stderr
    first_paragraph = result.stdout.split("\n\n")[1]
    assert any("\u4e00" <= char <= "\u9fff" for char in first_paragraph), result.stdout
