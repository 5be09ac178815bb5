"""Copy train-128's shards without the 232 BSDS500 train/val photos, which are held out to choose settings.

python docs/recipes/clean_train128.py ../shared/datasets/train-128 .data/train-clean
"""

import csv
import sys
import tarfile
from pathlib import Path

source, out = Path(sys.argv[1]), Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
with open(source / "MANIFEST.tsv") as f:
    rows = csv.DictReader(f, delimiter="\t")
    held_out = {(r["part"], r["member"]) for r in rows if r["source"] == "bsds500-trainval"}
kept = dropped = 0
for shard in sorted(source.glob("part-*.tar")):
    with tarfile.open(shard) as tar_in, tarfile.open(out / shard.name, "w") as tar_out:
        for member in tar_in:
            if (shard.stem, member.name) in held_out:
                dropped += 1
                continue
            tar_out.addfile(member, tar_in.extractfile(member) if member.isfile() else None)
            kept += member.isfile()
print(f"{kept} photos kept, {dropped} held out")
