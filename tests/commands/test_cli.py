import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from ideepcolor_app.cli import main
from ideepcolor_app.editing.session import Session
from ideepcolor_app.photos.images import load_photo


def test_colorize_a_photo_at_full_resolution(tmp_path, echo_weights, photo_files, capsys):
    photo = photo_files[0]
    assert main(["colorize", str(photo), "-o", str(tmp_path), "--weights", str(echo_weights)]) == 0
    out = tmp_path / f"{photo.stem}_colorized.png"
    assert load_photo(out).size == load_photo(photo).size
    assert main(["colorize", str(photo), "-o", str(tmp_path), "--weights", str(echo_weights)]) == 1
    assert "refusing to overwrite" in capsys.readouterr().err
    assert (
        main(
            ["colorize", str(photo), "-o", str(tmp_path), "--weights", str(echo_weights), "--force", "--format", "jpg"]
        )
        == 0
    )


def test_colorize_with_a_session_applies_its_hints(tmp_path, echo_weights):
    src = tmp_path / "in" / "grey.png"
    src.parent.mkdir()
    Image.fromarray(np.full((120, 160), 128, np.uint8)).save(src)
    photo = load_photo(src)
    from ideepcolor_app.hints.local_hints import Hint

    Session("grey.png", photo.sha256, photo.size, [Hint(80.0, 60.0, (70.0, 50.0), 9)]).save(tmp_path / "s.json")
    assert main(["colorize", str(src.parent), "--hints", str(tmp_path / "s.json"), "--weights", str(echo_weights)]) == 0
    result = load_photo(tmp_path / "in" / "grey_colorized.png").pixels.astype(int)
    assert result[60, 80, 0] > result[60, 80, 2] + 30, "red where the hint was"
    assert np.abs(result[5, 5] - 128).max() <= 1, "grey elsewhere"


def test_bad_inputs_fail_clearly_and_leave_no_output(tmp_path, echo_weights, photo_files, capsys):
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff garbage")
    (tmp_path / "empty.png").write_bytes(b"")
    out = tmp_path / "out"
    code = main(
        [
            "colorize",
            str(tmp_path / "broken.jpg"),
            str(tmp_path / "empty.png"),
            "-o",
            str(out),
            "--weights",
            str(echo_weights),
        ]
    )
    err = capsys.readouterr().err
    assert code == 1 and "broken.jpg" in err and "empty.png: the file is empty" in err
    assert list(out.iterdir()) == []
    (tmp_path / "bad.json").write_text('{"format": "ideepcolor-session", "version": 1, "image": 3}')
    assert main(["colorize", str(tmp_path / "broken.jpg"), "--hints", str(tmp_path / "bad.json")]) == 1
    assert "'image' must be an object" in capsys.readouterr().err
    assert main(["colorize", str(tmp_path / "broken.jpg"), "--weights", str(tmp_path / "empty.png")]) == 1
    assert "empty" in capsys.readouterr().err
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    photo = photo_files[0]
    assert main(["colorize", str(photo), "-o", str(blocker / "sub"), "--weights", str(echo_weights)]) == 1
    assert "cannot create output folder" in capsys.readouterr().err


def test_missing_weights_names_the_fix(tmp_path, capsys, monkeypatch, photo_files):
    monkeypatch.setattr("ideepcolor_app.network.registry.BUNDLED_DIR", tmp_path / "none")
    photo = photo_files[0]
    assert main(["colorize", str(photo), "-o", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "ideepcolor weights download siggraph17" in err and "Traceback" not in err


def test_evaluate_writes_json_for_a_seed(tmp_path, echo_weights, photo_files, capsys):
    folder = tmp_path / "photos"
    folder.mkdir()
    for p in photo_files[:2]:
        shutil.copy(p, folder)
    args = ["evaluate", str(folder), "--hints", "0,5", "--seed", "1", "--weights", str(echo_weights)]
    assert main([*args, "--json", str(tmp_path / "a.json")]) == 0
    assert "PSNR" in capsys.readouterr().out
    main([*args, "--json", str(tmp_path / "b.json")])
    a, b = (json.loads((tmp_path / f).read_text()) for f in ("a.json", "b.json"))
    assert a["psnr_db"] == b["psnr_db"] and a["images"] == 2 and set(a["psnr_db"]) == {"0", "5"}
    assert main(["evaluate", str(folder), "--hints", "x"]) == 1


def test_weights_verify_accepts_ours_and_refuses_others(tmp_path, echo_weights, capsys):
    assert main(["weights", "verify", str(echo_weights)]) == 0
    assert "mask convention zero_one" in capsys.readouterr().out
    (tmp_path / "w.pth").write_bytes(b"nope")
    assert main(["weights", "verify", str(tmp_path / "w.pth")]) == 1


@pytest.mark.slow  # a Python process
def test_module_entry_point_runs():
    done = subprocess.run([sys.executable, "-m", "ideepcolor_app", "weights", "list"], capture_output=True, text=True)
    assert done.returncode == 0 and "siggraph17-df00044c.pth" in done.stdout


def test_weights_compact_keeps_metadata_and_stays_close(tmp_path, random_weights, capsys):
    from ideepcolor_app.network.weights import load_model, load_state_dict, save_weights

    full = tmp_path / "full.safetensors"
    model, _ = load_model(random_weights)
    save_weights(model.state_dict(), full, mask_convention="centered", provenance={"steps": 7})
    assert main(["weights", "compact", str(full), str(tmp_path / "small.safetensors")]) == 0
    state, info = load_state_dict(tmp_path / "small.safetensors")
    assert info.metadata["provenance"] == {"steps": 7, "compact_of": "full.safetensors"}
    assert (tmp_path / "small.safetensors").stat().st_size < 36e6
    assert main(["weights", "compact", str(tmp_path / "nope.pth"), str(tmp_path / "x.safetensors")]) == 1


def test_colorize_applies_a_sessions_lasso_and_leaves_the_rest_alone(tmp_path, echo_weights):
    import numpy as np
    from PIL import Image

    from ideepcolor_app.editing.session import Session
    from ideepcolor_app.hints.regions import Region
    from ideepcolor_app.photos.images import load_photo

    photo = tmp_path / "grey.png"
    Image.fromarray(np.full((200, 300), 128, np.uint8)).save(photo)
    lasso = Region(((90.0, 60.0), (210.0, 60.0), (210.0, 140.0), (90.0, 140.0)), (50.0, -50.0))
    Session(str(photo), load_photo(photo).sha256, (300, 200), [], regions=[lasso]).save(tmp_path / "s.json")
    out = tmp_path / "out"
    args = ["colorize", str(photo), "--hints", str(tmp_path / "s.json"), "-o", str(out), "--weights", str(echo_weights)]
    assert main(args) == 0
    rgb = np.asarray(Image.open(out / "grey_colorized.png").convert("RGB")).astype(int)
    inside, outside = rgb[100, 150], rgb[20, 20]
    assert inside[0] > inside[1] + 40 and inside[2] > inside[1] + 40, "magenta inside the lasso"
    assert abs(outside[0] - outside[1]) < 4 and abs(outside[2] - outside[1]) < 4, "grey outside it"
