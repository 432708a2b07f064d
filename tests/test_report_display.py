"""How the report shows verdicts: the forest plot's shared axis, the counts, the summary, the cells' validity, the HTML."""

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from replications import claims, html, plots, report
from replications.claims import INCONCLUSIVE, NOT_MEASURED, REPRODUCED

CHECK = "the point is a minimum"
RNG = np.random.default_rng(2)
BASE = 0.8 + 0.002 * RNG.standard_normal(5)
NOISE = np.array([0, 0.08, -0.08, 0.05, -0.05])


def text(family: str, claim_id: str) -> dict:
    return {"paper": "P", "family": family, "claim_id": claim_id, "statement": f"{family} holds", "paper_value": "-", "our_value": "-", "test": "t"}


def gap(shift, family: str, claim_id: str) -> claims.ClaimRow:
    return claims.gap_row(BASE + shift, BASE, paired=True, alpha=0.05, min_effect=0.01, power=0.8, paper_effect=0.03, **text(family, claim_id))


@pytest.fixture
def frame() -> pd.DataFrame:
    """Three families: 'gap' (two measured cells, one whose check failed, one with a tiny MDE, one with none),
    'mixed' (one inconclusive cell) and 'reached' (its one cell failed its check before any test)."""
    rows = [
        claims.validated(gap(0.05 + 0.05 * NOISE, "gap", "gap_clear"), CHECK),
        claims.validated(gap(0.05 + 0.05 * NOISE, "gap", "gap_invalid"), CHECK, "seed 3 is a slope"),
        gap(0.05 + 1e-7 * NOISE, "gap", "gap_huge"),  # MDE ~1e-8: the effect is ~1e6 MDEs
        gap(0.05, "gap", "gap_flat"),  # no spread: an MDE of 0, nothing to scale by
        gap(0.01 + NOISE, "mixed", "mixed_noisy"),
        claims.not_measured_row("a seed reached the target", "no seed reached the target", **text("reached", "reached_none")),
    ]
    return claims.claims_frame(claims.apply_holm(rows))


def test_the_frame_has_the_verdicts_the_tests_below_count(frame):
    assert list(frame["verdict"]) == [REPRODUCED, NOT_MEASURED, REPRODUCED, REPRODUCED, INCONCLUSIVE, NOT_MEASURED]
    assert list(frame["family_verdict"]) == [REPRODUCED] * 4 + [INCONCLUSIVE, NOT_MEASURED]


def test_forest_positions_put_every_cell_in_units_of_its_mde(frame):
    positions = plots.forest_positions(frame)
    mde = frame["mde"].abs()
    for column, scaled in [("effect", "x"), ("effect_low", "low"), ("effect_high", "high"), ("threshold", "threshold"), ("paper_effect", "paper")]:
        assert positions.loc[0, scaled] == pytest.approx(frame.loc[0, column] / mde[0])
    assert 0 < positions.loc[0, "high"] - positions.loc[0, "x"] < 1  # a test's MDE (alpha and power) exceeds its interval's half-width
    assert positions.loc[2, "x"] == plots.FOREST_CLIP and positions["clipped"].tolist() == [False, False, True, False, False, False]
    assert list(positions["missing"]) == ["", "", "", "no MDE to scale by", "", "no effect size"]
    assert positions.loc[1, "label"] == "gap_invalid [not measured]" and positions.loc[0, "label"] == "gap_clear"


def test_the_forest_plot_draws_every_cell_on_one_shared_axis(frame, tmp_path):
    figure = plots.forest_figure(frame, "P")
    (axis,) = figure.axes  # one data axis for the paper, not one per cell
    assert axis.get_xscale() == "symlog" and "effect / MDE" in axis.get_xlabel()
    assert [label.get_text() for label in axis.get_yticklabels()] == list(plots.forest_positions(frame)["label"])
    assert "6 cells, 2 not measured" in figure.get_suptitle()
    assert {item.get_text() for item in axis.texts} == {"no MDE to scale by", "no effect size"}
    dots = {int(line.get_ydata()[0]): line for line in axis.lines if line.get_marker() == "o"}
    assert to_hex(dots[1].get_markerfacecolor()) == "#ffffff" and to_hex(dots[1].get_color()) == plots.VERDICT_COLORS[NOT_MEASURED]
    assert to_hex(dots[0].get_markerfacecolor()) == plots.VERDICT_COLORS[REPRODUCED]
    assert [line.get_marker() for line in axis.lines if line.get_ydata()[0] == 2 and line.get_marker() in "<>"] == [">"]  # clipped: an arrow
    plots.save(figure, tmp_path / "forest.png")
    assert (tmp_path / "forest.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and (tmp_path / "forest.svg").exists()


def test_verdict_counts_count_families_and_cells_with_the_not_measured_apart(frame):
    assert report.verdict_counts(frame).startswith(
        "3 claim families: 1 reproduced, 0 not reproduced, 1 inconclusive, 1 not measured; "
        "6 cells: 3 reproduced, 0 not reproduced, 1 inconclusive, 2 not measured; against the paper's effect, of "
    )
    post_hoc = frame.assign(post_hoc=frame["family"] == "reached")
    assert "1 not measured; 1 post hoc (1 not measured); against" in report.verdict_counts(post_hoc)
    assert "1 reproduced, 0 not reproduced, 1 inconclusive, 0 not measured; 1 post hoc" in report.verdict_counts(post_hoc)


def test_the_summary_marks_not_measured_cells_and_draws_the_forest_plot(frame, tmp_path):
    table = report.families(frame).set_index("family")
    assert table["not_measured"].to_dict() == {"gap": 1, "mixed": 0, "reached": 1}
    summary = "\n".join(report.summary_markdown(frame, {"P": "p"}, tmp_path))
    assert "○ not measured" in summary and "✓ gap_clear ○ gap_invalid ✓ gap_huge" in summary and "○ reached_none" in summary
    assert "| **reproduced** | gap holds |" in summary  # a family of several cells is named by its plain statement
    assert summary.count("1 cell(s) not measured") == 2
    assert (tmp_path / "figures" / "forest_p.png").stat().st_size > 10_000


@pytest.mark.parametrize("from_csv", [False, True])  # empty text reads back from a CSV as NaN
def test_cells_with_a_validity_check_show_it_and_its_result(frame, tmp_path, from_csv):
    if from_csv:
        frame.to_csv(tmp_path / "claims.csv", index=False)
        frame = pd.read_csv(tmp_path / "claims.csv")
    table = report.verdict_table(frame).splitlines()
    assert "validity passed" in table[2] and "validity failed: seed 3 is a slope" in table[3] and "validity" not in table[4]
    details = report.details_markdown(frame)
    assert f"Validity: {CHECK}: passed." in details[0] and f"Validity: {CHECK}: seed 3 is a slope." in details[1]
    assert "Validity" not in details[2] and "Validity: a seed reached the target: no seed reached the target." in details[5]


def test_the_html_colours_every_verdict_not_measured_grey(frame, tmp_path):
    assert html.VERDICT_CLASSES[NOT_MEASURED] == "not-measured"
    (tmp_path / "report.md").write_text("# Report\n\n" + "\n".join(report.summary_markdown(frame, {"P": "p"}, tmp_path)) + "\n\n"
                                        + report.verdict_table(frame) + "\n")
    html.render_html(tmp_path / "report.md", tmp_path / "report.html")
    page = (tmp_path / "report.html").read_text()
    for css_class in html.VERDICT_CLASSES.values():
        assert f"tr.{css_class} td:first-child" in page  # the page's style colours every verdict
    assert page.count('<tr class="not-measured">') == 3  # a family and two cells
    assert page.count('<tr class="reproduced">') == 4 and page.count('<tr class="inconclusive">') == 2


def test_the_first_screen_reads_each_paper_from_its_claims(frame):
    from replications.report import family_statement, first_screen

    assert family_statement(pd.Series(["F1: LB is worse (Table 2)", "C1: LB is worse (Table 2)"])) == "LB is worse"
    assert family_statement(pd.Series(["momentum: hybrid matches (Fig. 7)", "momentum: hybrid matches (Fig. 8)"])) == "momentum: hybrid matches"
    assert family_statement(pd.Series(["F1: one cell (Fig. 4)"])) == "F1: one cell (Fig. 4)"
    (line,) = first_screen(frame.assign(consistency="", amended=""))
    assert line.startswith(f"- **{frame['paper'].iloc[0]}** (3 claims). ✓ reproduced: ")
    assert "○ not measured: " in line and "? inconclusive: " in line and "✗" not in line


def test_the_confirmatory_run_stands_beside_each_family_and_a_changed_verdict_is_flagged(frame, tmp_path):
    # The confirmatory run: the same cells on other seeds; 'mixed' now shows a clear effect, 'reached' was not run.
    rows = [gap(0.05 + 0.05 * NOISE[::-1], "gap", claim_id) for claim_id in ("gap_clear", "gap_invalid", "gap_huge", "gap_flat")]
    rows.append(gap(0.05 + 0.05 * NOISE, "mixed", "mixed_noisy"))
    confirmatory = claims.claims_frame(claims.apply_holm(rows))
    assert set(confirmatory["family_verdict"]) == {REPRODUCED}
    shown = report.with_confirmatory(frame, confirmatory)
    assert shown.set_index("claim_id")["confirmatory_verdict"].to_dict() == {
        "gap_clear": REPRODUCED, "gap_invalid": REPRODUCED, "gap_huge": REPRODUCED, "gap_flat": REPRODUCED,
        "mixed_noisy": REPRODUCED, "reached_none": ""}
    summary = "\n".join(report.summary_markdown(shown, {"P": "p"}, tmp_path))
    assert "| **inconclusive** | reproduced | mixed holds |" in summary and "| **not measured** | - |" in summary
    assert summary.count("⚑ the confirmatory verdict differs") == 1
    section = "\n".join(report.confirmatory_markdown(shown, {"p": {"seeds": [5, 6]}}))
    assert "`p`: seeds [5, 6]" in section and "2 of 3 families ran again: 1 with the same verdict, 1 with another" in section
    assert "| P | mixed | inconclusive | reproduced |" in section
    assert "| gap_invalid | not measured (-) | reproduced (-) |" in section  # a cell may differ where its family does not (no resampling here: no stability)
    # Without a confirmatory run: no column, no flag, and the section says so.
    alone = report.with_confirmatory(frame, None)
    assert (alone["confirmatory_verdict"] == "").all() and "| confirmatory |" not in "\n".join(report.summary_markdown(alone, {"P": "p"}, tmp_path))
    assert report.confirmatory_markdown(alone, {})[-2] == "No confirmatory run in this config (`confirmatory:` is empty)."


def test_the_perturbed_run_counts_the_confirmatory_verdicts_one_ulp_moved(frame):
    confirmed = [gap(0.05 + 0.05 * NOISE, "gap", "gap_clear"), gap(0.01 + NOISE, "mixed", "mixed_noisy")]
    perturbed = [gap(0.05 + 0.05 * NOISE[::-1], "gap", "gap_clear"), gap(0.05 + 0.05 * NOISE, "mixed", "mixed_noisy")]
    shown = report.with_confirmatory(frame, *(claims.claims_frame(claims.apply_holm(rows)) for rows in (confirmed, perturbed)))
    text = "\n".join(report.perturbation_markdown(shown))
    assert "moved 1 of 2 cells' verdicts and 1 of 2 families'" in text
    assert "| mixed_noisy | inconclusive (-) | reproduced (-) |" in text and "gap_clear |" not in text
    assert "not measured with this report" in report.perturbation_markdown(report.with_confirmatory(frame, None))[0]
