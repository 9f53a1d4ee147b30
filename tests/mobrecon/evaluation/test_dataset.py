"""Dataset runner: a FreiHAND-format image folder through the pipeline; a perfect stand-in scores 0, the built-in runs."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("PIL", reason="Pillow (app extra) writes and reads the images")
from PIL import Image  # noqa: E402

from mobrecon.evaluation.dataset import freihand_eval_box, run_dataset  # noqa: E402
from mobrecon.evaluation.freihand import image_path, write_ground_truth  # noqa: E402
from mobrecon.evaluation.generated import generated_ground_truth  # noqa: E402
from mobrecon.pipeline.crop import crop_intrinsics, crop_transform  # noqa: E402
from mobrecon.pipeline.outputs import joints_mpii  # noqa: E402
from mobrecon.pipeline.registration import project  # noqa: E402
from mobrecon.pipeline.runner import CropModel, LoadedModel  # noqa: E402


@pytest.fixture(scope="module")
def dataset(tmp_path_factory, synthetic_topology):
    """3 samples, 224 px images whose pixels encode the sample index; GT joints regressed from the GT mesh."""
    folder = tmp_path_factory.mktemp("freihand")
    gt = generated_ground_truth(3, seed=5)
    xyz = np.stack([joints_mpii(v, synthetic_topology.joint_regressor) for v in gt.verts])
    write_ground_truth(folder, xyz, gt.verts, gt.k)
    for i in range(3):
        path = image_path(folder, "evaluation", i)
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.full((224, 224, 3), 40 * (i + 1), np.uint8)).save(path, quality=100)
    return folder, xyz, gt.verts, gt.k


def _perfect(folder_data, topology) -> LoadedModel:
    _, xyz, verts, k = folder_data
    tf = crop_transform(freihand_eval_box(224, 224))

    def run(image):
        i = int(round(((image[0, 0, 64, 64] * 0.5 + 0.5) * 255) / 40)) - 1
        kc = crop_intrinsics(k[i], tf)
        return (verts[i] - xyz[i][0]) / 0.2, project(xyz[i], kc) / 128.0

    return LoadedModel(CropModel(run, "stand-in", "perfect"), topology, False, "perfect stand-in")


def test_perfect_stand_in_scores_zero(dataset, synthetic_topology, tmp_path):
    result = run_dataset(dataset[0], models={"perfect": _perfect(dataset, synthetic_topology)}, save_predictions=tmp_path, progress=False)
    m = result.reports["perfect"].metrics
    assert m["mpjpe_mm"] < 1e-6 and m["mpvpe_mm"] < 1e-6 and m["f5"] == 1.0 and m["uv_crop_mean_px"] < 1e-6
    # FreiHAND's first AUC threshold is 0 mm: rounding-level errors (~1e-12 m) miss it, as in its own eval.py
    assert m["pa_mpjpe_rigid_align_mm"] < 1e-6 and m["auc_xyz_0_50"] >= 98.5 / 99 - 1e-12
    xyz, _ = json.loads(result.prediction_files["perfect"].read_text())
    np.testing.assert_allclose(xyz, dataset[1], atol=1e-9)


def test_built_in_and_stand_in_side_by_side(dataset, synthetic_topology, builtin_loaded):
    result = run_dataset(dataset[0], models={"pytorch": builtin_loaded, "perfect": _perfect(dataset, synthetic_topology)},
                         limit=2, progress=False)
    table = result.format()
    assert "pytorch" in table and "perfect" in table and "UNTRAINED" in table
    assert result.reports["pytorch"].samples == 2 and np.isfinite(list(result.reports["pytorch"].metrics.values())).all()
    assert result.reports["pytorch"].metrics["pa_mpjpe_mm"] > result.reports["perfect"].metrics["pa_mpjpe_mm"]
