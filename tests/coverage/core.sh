#!/usr/bin/env bash
# Line coverage of GossipPure.Core by the core and simulation tests together (coverlet), merged per source line.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$(mktemp -d /tmp/gossip-coverage.XXXXXX)"
for p in tests/GossipPure.Core.Tests tests/GossipPure.Simulation.Tests; do
  dotnet test "$root/$p" --collect:"XPlat Code Coverage" --results-directory "$out" >/dev/null
done
python3 - "$out" <<'PY'
import sys, glob, collections, xml.etree.ElementTree as ET
hits = collections.defaultdict(int)
for f in glob.glob(sys.argv[1] + '/*/coverage.cobertura.xml'):
    for pkg in ET.parse(f).getroot().iter('package'):
        if pkg.get('name') != 'GossipPure.Core': continue
        for cls in pkg.iter('class'):
            name = cls.get('filename').split('GossipPure.Core/')[-1]   # the two reports root paths differently
            for line in cls.iter('line'):
                hits[(name, int(line.get('number')))] += int(line.get('hits'))
covered = sum(1 for h in hits.values() if h > 0)
print(f"GossipPure.Core: {covered} of {len(hits)} lines covered, {100 * covered / len(hits):.1f}%")
PY
rm -rf "$out"
