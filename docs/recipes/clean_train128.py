"""Copy train-128's shards without the 232 BSDS500 train/val photos (held out to choose settings)."""
import csv, tarfile, sys
from pathlib import Path
src, out = Path(sys.argv[1]), Path(sys.argv[2])
skip = set()
with open(src / "MANIFEST.tsv") as f:
    for row in csv.DictReader(f, delimiter="\t"):
        if row.get("source") == "bsds500-trainval":
            skip.add((row["part"], row["member"]))
kept = dropped = 0
for shard in sorted(src.glob("part-*.tar")):
    with tarfile.open(shard) as tin, tarfile.open(out / shard.name, "w") as tout:
        for m in tin:
            if (shard.stem, m.name) in skip:
                dropped += 1
                continue
            tout.addfile(m, tin.extractfile(m) if m.isfile() else None)
            kept += m.isfile()
print(kept, "kept", dropped, "dropped")
