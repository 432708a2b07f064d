"""The paper contract: the core names no paper, papers plug in through the config, configs merge one way."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO
from replications.config import ConfigError, compose, load_config, validate_config
from replications.papers import Paper, PaperError, configured_papers, load_paper

TOY_OVERLAY = f"{REPO}/tests/toy_paper/config.yaml"
# The core: everything that is not a paper package, a paper's rules or a config overlay.
CORE_FILES = [
    "Snakefile", "rules/common.smk", "rules/papers.smk", "rules/report.smk", "rules/benchmarks.smk", "config/schema.yaml",
    *sorted(str(path.relative_to(REPO)) for path in Path(REPO, "replications").glob("*.py")),
]


def every_paper() -> list[Paper]:
    return configured_papers(compose(TOY_OVERLAY))


def test_the_suite_and_the_test_paper_are_papers():
    names = [paper.name for paper in every_paper()]
    assert names == ["keskar2017", "smith2018", "wilson2003", "batchscience", "toypaper"]
    for paper in every_paper():
        assert paper.jobs(compose(TOY_OVERLAY)) and paper.schema()["properties"]["claims"]["type"] == "object"
        section = paper.report_section()
        assert callable(section.render) and isinstance(section.TABLES, dict)


@pytest.mark.parametrize("path", CORE_FILES)
def test_no_core_file_names_a_paper(path):
    text = Path(REPO, path).read_text()
    for paper in every_paper():
        for word in {paper.name, paper.package}:
            assert not re.search(rf"\b{re.escape(word)}\b", text), f"{path} names the paper {word!r}"


def test_a_paper_package_must_export_its_contract():
    with pytest.raises(PaperError, match="does not export PAPER"):
        load_paper("replications.claims")
    with pytest.raises(PaperError, match="cannot import 'replications.nonexistent'"):
        load_paper("replications.nonexistent")
    config = compose()
    config["papers"].append("replications.claims")
    with pytest.raises(ConfigError, match="replications.claims"):
        validate_config(config)


def test_a_section_without_its_paper_is_rejected():
    config = compose()
    config["papers"] = ["replications.keskar2017"]
    with pytest.raises(ConfigError, match="smith2018: neither a core key nor the section of a paper listed in `papers`"):
        validate_config(config)


def test_the_test_paper_is_validated_by_its_own_schema_and_check():
    config = compose(f"{REPO}/config/smoke.yaml", TOY_OVERLAY)
    assert validate_config(config)["toypaper"]["small_batch"] == 4
    config["toypaper"]["large_batch"] = 2
    with pytest.raises(ConfigError, match="toypaper.large_batch: must exceed small_batch"):
        validate_config(config)
    config["toypaper"]["epochs"] = "five"
    with pytest.raises(ConfigError, match="toypaper.epochs: 'five' is not of type 'integer'"):
        validate_config(config)


def test_scales_are_overlays_on_one_base():
    base = yaml.safe_load(Path(REPO, "config/base.yaml").read_text())
    smoke = load_config(f"{REPO}/config/smoke.yaml")
    quick = load_config(f"{REPO}/config/quick.yaml")
    # The claim rules are written once, in the base; an overlay changes only what it names.
    assert quick["keskar2017"]["claims"] == base["keskar2017"]["claims"]
    assert smoke["wilson2003"]["claims"]["linear_growth"] == {**base["wilson2003"]["claims"]["linear_growth"], "min_batch_size": 1}
    # Mappings merge key by key, lists replace.
    assert list(quick["smith2018"]["optimizers"]) == ["momentum", "adam", "sgd", "nesterov"]
    assert smoke["keskar2017"]["seeds"] == [0, 1]
    assert load_config() == quick  # the base names the quick scale


def test_snakemake_merges_the_config_as_the_package_does(tmp_path):
    """The Snakefile's configfile directives and the package's compose() agree, and --config picks a scale."""
    for arguments, scale_files in (
        (["--configfile", f"{REPO}/config/smoke.yaml", TOY_OVERLAY], (f"{REPO}/config/smoke.yaml", TOY_OVERLAY)),
        (["--config", "scale=smoke"], (f"{REPO}/config/smoke.yaml",)),
    ):
        completed = subprocess.run(
            [sys.executable, "-m", "snakemake", "--snakefile", f"{REPO}/Snakefile", "--directory", str(tmp_path), "-n", *arguments],
            capture_output=True, text=True, timeout=120,
        )
        assert completed.returncode == 0, completed.stderr[-3000:]
        resolved = yaml.safe_load((tmp_path / "results" / "smoke" / "config.resolved.yaml").read_text())
        assert resolved == load_config(*scale_files)


def test_planning_imports_neither_tensorflow_nor_pandas():
    """The Snakefile imports every paper's contract, layout and config on each call: they must stay light."""
    script = (
        "import sys; from replications.config import load_config; from replications.papers import configured_papers; "
        f"config = load_config({TOY_OVERLAY!r}); papers = configured_papers(config); "
        "import replications.keskar2017.config, replications.smith2018.protocol, replications.wilson2003.layout, replications.batchscience.config; "
        "heavy = sorted({'tensorflow', 'keras', 'pandas', 'matplotlib'} & set(sys.modules)); assert not heavy, heavy"
    )
    completed = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr[-2000:]
