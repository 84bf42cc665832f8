#!/usr/bin/env bash
# Mutation check: each property must FAIL when the rule it guards is deliberately broken.
# For every mutant below: apply one edit to a throwaway copy of the repository, run the test that guards the rule,
# and report "killed" (the test failed, as it must) or "SURVIVED" (the test missed the broken rule).
# Usage: tests/mutants/run.sh [name ...]     (no names: all mutants). Takes a few minutes per mutant.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d /tmp/gossip-mutants.XXXXXX)"
trap 'rm -rf "$work"' EXIT
git -C "$root" ls-files -z | (cd "$root" && xargs -0 cp --parents -t "$work")

# name | file | perl substitution | test project | test filter
mutants=(
  "quorum-minus-one|src/GossipPure.Core/Quorum.cs|s/seedCount \/ 2 \+ 1/seedCount \/ 2/|tests/GossipPure.Simulation.Tests|FullyQualifiedName~QuorumSafetyProperties"
  "quorum-minus-one-core|src/GossipPure.Core/Quorum.cs|s/seedCount \/ 2 \+ 1/seedCount \/ 2/|tests/GossipPure.Core.Tests|FullyQualifiedName~SeedQuorumProperties"
  "forward-skips-a-neighbour|src/GossipPure.Core/Peers/PeerReducer.cs|s/if \(n != from\) fx.Send\(n, g\);/if (n != from \&\& n.Port % 4 != 1) fx.Send(n, g);/|tests/GossipPure.Simulation.Tests|FullyQualifiedName~DeliveryProperties"
  "no-dedup|src/GossipPure.Core/Peers/PeerReducer.cs|s/if \(s.Seen.Contains\(d\)\)/if (false \&\& s.Seen.Contains(d))/|tests/GossipPure.Core.Tests|FullyQualifiedName~GossipOnceProperties"
  "vote-without-probing|src/GossipPure.Core/Seeds/SeedDeaths.cs|s/if \(s.Left.Contains\(x\)\) return CastVote/if (!(!s.Left.Contains(x) && x.Port < 0)) return CastVote/|tests/GossipPure.Simulation.Tests|FullyQualifiedName~NoFalseDeathProperties.Lying_peers_cannot_get_a_live_peer_removed_without_loss"
  "no-dead-report|src/GossipPure.Core/Peers/PeerDetection.cs|s/fx.SendAll\(s.Config.Seeds, new DeadReport\(x, report\)\);/{}/g|tests/GossipPure.Simulation.Tests|FullyQualifiedName~LivenessProperties"
  'removed-peer-never-rejoins|src/GossipPure.Core/Peers/PeerDetection.cs|s/(static PeerState Rejoin\(PeerState s, NodeId seed, DeadConfirmed dc, EffectList fx\)\s*\{)/$1 if (dc.Incarnation > -1) return s;/|tests/GossipPure.Simulation.Tests|FullyQualifiedName~HealingProperties'
  "nondeterministic-rng|src/GossipPure.Core/Peers/PeerReducer.cs|s/Rng = new Rng\(st.RandomSeed\)/Rng = new Rng(st.RandomSeed ^ (ulong)System.Diagnostics.Stopwatch.GetTimestamp())/|tests/GossipPure.Simulation.Tests|FullyQualifiedName~DeterminismProperties.Same_scenario"
  "no-health-stretch|src/GossipPure.Core/Health.cs|s/var target = lateMs > unit \?/var target = lateMs > unit \&\& unit < 0 ?/|tests/GossipPure.Simulation.Tests|FullyQualifiedName~OverloadProperties.Stalled_nodes"
  "machine-extra-transition|src/GossipPure.Core/Seeds/Registration.cs|s/\.Permit\(RegTrigger.QuorumImpossible, RegPhase.Rejected\);/.Permit(RegTrigger.QuorumImpossible, RegPhase.Rejected).Permit(RegTrigger.Propose, RegPhase.Proposed);/|tests/GossipPure.Core.Tests|FullyQualifiedName~MachineModelProperties|FullyQualifiedName~RegistrationMachineTests"
)

want=("$@")
status=0
for m in "${mutants[@]}"; do
  IFS='|' read -r name file subst project filter <<<"$m"
  [[ ${#want[@]} -gt 0 && ! " ${want[*]} " == *" $name "* ]] && continue
  cp "$root/$file" "$work/$file"            # start from the real file each time
  perl -0pi -e "$subst" "$work/$file"
  if cmp -s "$root/$file" "$work/$file"; then echo "$name: the edit did not apply (fix the mutant)"; status=1; continue; fi
  if dotnet test "$work/$project" --filter "$filter" >"$work/$name.log" 2>&1; then
    echo "$name: SURVIVED ($project --filter '$filter' passed with the rule broken)"; status=1
  elif grep -q "error CS" "$work/$name.log"; then
    echo "$name: the mutant does not compile (fix the mutant)"; grep -m3 "error CS" "$work/$name.log"; status=1
  else
    failed=$(grep -oE "Failed: +[0-9]+" "$work/$name.log" | tail -1)
    echo "$name: killed ($failed in $project, filter $filter)"
  fi
  cp "$root/$file" "$work/$file"
done
exit $status
