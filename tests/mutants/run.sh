#!/usr/bin/env bash
# Mutation check: each property must FAIL when the rule it guards is deliberately broken.
# For every mutant below: apply one edit to a throwaway copy of the repository, run the test that guards the rule,
# and report "killed" (the test failed, as it must) or "SURVIVED" (the test missed the broken rule).
# Usage: tests/mutants/run.sh [name ...]     (no names: all mutants). Takes a few minutes per mutant.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d /tmp/gossip-mutants.XXXXXX)"
keep=0
trap '[[ $keep -eq 0 ]] && rm -rf "$work"' EXIT
git -C "$root" ls-files -z | (cd "$root" && xargs -0 cp --parents -t "$work")

# name | file | perl substitution | test project | test filter
mutants=(
  "quorum-minus-one|src/GossipPure.Core/Quorum.cs|s/seedCount \/ 2 \+ 1/seedCount \/ 2/|tests/GossipPure.Simulation.Tests|FullyQualifiedName~QuorumSafetyProperties"
  "quorum-minus-one-core|src/GossipPure.Core/Quorum.cs|s/seedCount \/ 2 \+ 1/seedCount \/ 2/|tests/GossipPure.Core.Tests|FullyQualifiedName~SeedQuorumProperties"
  "forward-skips-a-neighbour|src/GossipPure.Core/Peers/PeerSigning.cs|s/foreach \(var n in to\) if \(n != except\) fx.Send\(n, g\);/foreach (var n in to) if (n != except \&\& n.Port % 4 != 1) fx.Send(n, g);/|tests/GossipPure.Simulation.Tests|FullyQualifiedName~DeliveryProperties"
  "no-dedup|src/GossipPure.Core/Peers/PeerReducer.cs|s/if \(s.Seen.Contains\(d\)\)/if (false \&\& s.Seen.Contains(d))/|tests/GossipPure.Core.Tests|FullyQualifiedName~GossipOnceProperties"
  "vote-without-probing|src/GossipPure.Core/Seeds/SeedDeaths.cs|s/if \(s.Left.Contains\(x\)\) return CastVote/if (!(!s.Left.Contains(x) && x.Port < 0)) return CastVote/|tests/GossipPure.Simulation.Tests|FullyQualifiedName~NoFalseDeathProperties.Lying_peers_cannot_get_a_live_peer_removed_without_loss"
  "no-dead-report|src/GossipPure.Core/Peers/PeerDetection.cs|s/fx.SendAll\(s.Config.Seeds, ReportFor\(s, x, report\)\);/{}/g|tests/GossipPure.Simulation.Tests|FullyQualifiedName~LivenessProperties"
  'removed-peer-never-rejoins|src/GossipPure.Core/Peers/PeerDetection.cs|s/(static PeerState Rejoin\(PeerState s, NodeId seed, DeadConfirmed dc, EffectList fx\)\s*\{)/$1 if (dc.Incarnation > -1) return s;/|tests/GossipPure.Simulation.Tests|FullyQualifiedName~HealingProperties'
  "nondeterministic-rng|src/GossipPure.Core/Peers/PeerReducer.cs|s/Rng = new Rng\(st.RandomSeed\)/Rng = new Rng(st.RandomSeed ^ (ulong)System.Diagnostics.Stopwatch.GetTimestamp())/|tests/GossipPure.Simulation.Tests|FullyQualifiedName~DeterminismProperties.Same_scenario"
  "no-health-stretch|src/GossipPure.Core/Health.cs|s/var target = lateMs > unit \?/var target = lateMs > unit \&\& unit < 0 ?/|tests/GossipPure.Simulation.Tests|FullyQualifiedName~OverloadProperties.Stalled_nodes"
  "machine-extra-transition|src/GossipPure.Core/Seeds/Registration.cs|s/\.Permit\(RegTrigger.Propose, RegPhase.Proposed\)\s*\.Permit\(RegTrigger.CommitObserved, RegPhase.Committed\);/.Permit(RegTrigger.Propose, RegPhase.Proposed).Permit(RegTrigger.CommitObserved, RegPhase.Committed).Permit(RegTrigger.QuorumReached, RegPhase.Committed);/|tests/GossipPure.Core.Tests|FullyQualifiedName~MachineModelProperties|FullyQualifiedName~RegistrationMachineTests|FullyQualifiedName~DiagramTests"
  # The machines decide: a phase set by hand, without firing its transition, is caught by the audit of every step.
  "death-phase-set-by-hand|src/GossipPure.Core/Seeds/SeedDeaths.cs|s/if \(!DeathVote\.Machine\.Fire\(d\.Phase, DeathTrigger\.Expire, x, fx, out var timedOut\)\) return s;/var timedOut = DeathPhase.TimedOut;/|tests/GossipPure.Core.Tests|FullyQualifiedName~MachineModelProperties"
  "confirming-set-by-hand|src/GossipPure.Core/Peers/PeerDetection.cs|s/if \(!Suspicion\.Machine\.Fire\(w\.Phase, SuspicionTrigger\.AskWitnesses, x, fx, out var confirming\)\) return SetWatch\(s, x, w\);/var confirming = SuspicionPhase.Confirming;/|tests/GossipPure.Core.Tests|FullyQualifiedName~HealthTests"
  # Certificates: a quorum counts distinct seeds of config.csv only.
  "quorum-counts-repeated-voters|src/GossipPure.Core/Quorum.cs|s/var distinct = toHashSet\(voters.Filter\(members.Contains\)\);/var distinct = voters.Filter(members.Contains);/|tests/GossipPure.Core.Tests|FullyQualifiedName~SeedQuorumProperties"
  "quorum-counts-strangers|src/GossipPure.Core/Quorum.cs|s/var distinct = toHashSet\(voters.Filter\(members.Contains\)\);/var distinct = toHashSet(voters);/|tests/GossipPure.Core.Tests|FullyQualifiedName~SeedQuorumProperties"
  # Anti-entropy: the periodic SEED_SYNC.
  "no-anti-entropy|src/GossipPure.Core/Seeds/SeedSync.cs|s/foreach \(var seed in s.Config.OtherSeeds\) fx.Send\(seed, RequestFor\(s, seed\)\);/{}/|tests/GossipPure.Simulation.Tests|FullyQualifiedName~RegistrationConsistencyProperties"
  # Anti-entropy by versions: an answer that skips one change leaves the seeds' tables apart.
  "sync-skips-a-version|src/GossipPure.Core/Seeds/SeedSync.cs|s/FindRangePairs\(since \+ 1, s.Version\)/FindRangePairs(since + 2, s.Version)/|tests/GossipPure.Simulation.Tests|FullyQualifiedName~SeedSyncProperties"
  # No message grows with the network: a SEED_SYNC answer as large as the table (the old whole-table sync) breaks the frame limit.
  "whole-table-seed-sync|src/GossipPure.Core/NodeConfig.cs|s/public int SeedSyncChunkEntries \{ get; init; \} = 1024;/public int SeedSyncChunkEntries { get; init; } = int.MaxValue;/; s/public int SeedSyncChunkBytes \{ get; init; \} = 256 \* 1024;/public int SeedSyncChunkBytes { get; init; } = int.MaxValue;/|tests/GossipPure.Simulation.Tests|FullyQualifiedName~WireLimitProperties"
  # Tombstones and incarnations: a removed incarnation must stay removed.
  "tombstone-ignored|src/GossipPure.Core/Seeds/SeedState.cs|s/Removed.Find\(peer\).Map\(t => t.Incarnation >= incarnation\).IfNone\(false\)/false/|tests/GossipPure.Core.Tests|FullyQualifiedName~MembershipTests|FullyQualifiedName~SeedQuorumProperties"
  # The seen-set horizon: gossip older than the horizon is not taken (its digest may have expired).
  "no-horizon|src/GossipPure.Core/Peers/PeerReducer.cs|s/if \(ageUs > o.GossipHorizonMs \* 1000\)/if (false \&\& ageUs > o.GossipHorizonMs * 1000)/|tests/GossipPure.Core.Tests|FullyQualifiedName~GossipOnceProperties"
  # Exactly-once delivery: one first-time line per message.
  "first-time-logged-twice|src/GossipPure.Core/Peers/PeerReducer.cs|s/fx.Add\(new GossipReceived\(g.Origin, g.Body, from\)\);/fx.Add(new GossipReceived(g.Origin, g.Body, from)); if (s.FirstTime % 3 == 1) fx.Add(new GossipReceived(g.Origin, g.Body, from));/|tests/GossipPure.Core.Tests|FullyQualifiedName~GossipOnceProperties"
  # The renderer rewords a line (the reference design's lines must not change): the golden test catches it.
  "renderer-rewords-a-line|src/GossipPure.Shell/Hosting/EventText.cs|s/\): purged\{/): removed{/|tests/GossipPure.Shell.Tests|FullyQualifiedName~EventTextTests"
  # Bridging: a seed links a cut-off part of the overlay back.
  "no-bridge|src/GossipPure.Core/Seeds/SeedOverlay.cs|s/fx.Send\(head, new Bridge\(target\)\);/{}/|tests/GossipPure.Core.Tests|FullyQualifiedName~NetworkConnectivityProperties"
  # The overlay check's union-find: parts joined wrongly are bridged wrongly (checked against a plain walk).
  "overlay-joins-wrongly|src/GossipPure.Core/Seeds/SeedOverlay.cs|s/if \(ra < rb\) parent\[rb\] = ra; else parent\[ra\] = rb;/if (ra < rb \&\& ra % 5 != 2) parent[rb] = ra; else if (rb % 5 != 2) parent[ra] = rb;/|tests/GossipPure.Core.Tests|FullyQualifiedName~MembershipTests"
  # A peer's neighbour index must follow its neighbours: one kept from before a change sends to the old set.
  "neighbour-index-kept-stale|src/GossipPure.Core/Peers/PeerState.cs|s/init \{ neighbours = value; neighbourIndex = default; \}/init { neighbours = value; }/|tests/GossipPure.Core.Tests|FullyQualifiedName~PeerStateTests|FullyQualifiedName~GossipOnceProperties"
  # Seed probe retries: under loss one unanswered PROBE is no proof of death.
  "single-seed-probe|src/GossipPure.Core/NodeConfig.cs|s/public int SeedProbeAttempts \{ get; init; \} = 3;/public int SeedProbeAttempts { get; init; } = 1;/|tests/GossipPure.Simulation.Tests|FullyQualifiedName~NoFalseDeathProperties.Under_2_percent_loss_lost_probes_almost_never_remove_a_live_peer"
  # The suspicion machine: no transition beyond the drawn table.
  "suspicion-extra-transition|src/GossipPure.Core/Peers/Suspicion.cs|s/\.Permit\(SuspicionTrigger.Refuted, SuspicionPhase.Alive\)/.Permit(SuspicionTrigger.Refuted, SuspicionPhase.Alive).Permit(SuspicionTrigger.Evidence, SuspicionPhase.Dead)/|tests/GossipPure.Core.Tests|FullyQualifiedName~MachineModelProperties|FullyQualifiedName~SuspicionMachineTests|FullyQualifiedName~DiagramTests"
  # Replay: a recorded effect that differs from the replayed one is reported.
  "replay-blind|src/GossipPure.Cli/Replay/Replayer.cs|s/!recorded.Equals\(result.Effects\)/false \&\& !recorded.Equals(result.Effects)/|tests/GossipPure.Integration.Tests|FullyQualifiedName~ReplayTests.A_tampered_effect_is_caught_at_its_step"
  # A report about a peer the seeds removed already gets the certificate back (its copies may all have been lost).
  "no-certificate-resend|src/GossipPure.Core/Seeds/SeedDeaths.cs|s/foreach \(var tomb in s.Removed.Find\(r.Suspect\)\)/foreach (var tomb in s.Removed.Find(r.Suspect).Filter(_ => false))/|tests/GossipPure.Simulation.Tests|FullyQualifiedName~LivenessProperties.A_neighbour_that_lost_every_DEAD_CONFIRMED_gets_it_again_when_it_reports"
  # A refused transition stops every simulation: here a rejected removal vote can no longer be proposed again.
  'machine-missing-transition|src/GossipPure.Core/Seeds/DeathVote.cs|s/(m\.Configure\(DeathPhase\.Rejected\)\s*)\.Permit\(DeathTrigger\.Propose, DeathPhase\.Proposed\)\s*/$1/|tests/GossipPure.Simulation.Tests|FullyQualifiedName~NoFalseDeathProperties.Lying_peers_cannot_get_a_live_peer_removed_without_loss'
  # Signed membership: with seed keys a certificate counts valid signatures, never the voters' names (a Byzantine minority then removes, admits and forges).
  "certificates-by-names|src/GossipPure.Core/Identity/Certificates.cs|s/if \(!c\.Security\.On\) return ByNames/if (c.Quorum > 0) return ByNames/g|tests/GossipPure.Simulation.Tests|FullyQualifiedName~ByzantineProperties.A_Byzantine_minority"
  # Signed gossip: a refused copy is not marked seen, so a forged copy that arrives first cannot censor the real one.
  "forged-copy-marked-seen|src/GossipPure.Core/Peers/PeerReducer.cs|s/if \(Authentic\(s, from, g, fx\) is not \{ \} checkedState\) return s;/if (Authentic(s, from, g, fx) is not { } checkedState) return s with { Seen = s.Seen.Add(d) };/|tests/GossipPure.Simulation.Tests|FullyQualifiedName~ByzantineProperties.A_Byzantine_minority"
  # Signed registrations: a seed signs only a key it saw the peer prove (KEY_CHALLENGE); without that, a Byzantine
  # seed gets honest seeds to sign an address bound to its own key.
  "sign-without-key-check|src/GossipPure.Core/Seeds/SeedReducer.cs|s/if \(no is null \&\& s\.Config\.Security\.On \&\& !HasProvenKey\(s, p\.Peer, p\.Key!, p\.Incarnation\)\)/if (no is null \&\& s.Config.Security.On \&\& p.Incarnation < 0)/|tests/GossipPure.Simulation.Tests|FullyQualifiedName~ByzantineProperties.Byzantine_seeds_cannot_get_honest_seeds_to_sign"
  # Signed removals: a seed signs the removal of exactly the incarnation it lists, never a future one.
  "sign-any-incarnations-removal|src/GossipPure.Core/Seeds/SeedDeaths.cs|s/if \(s\.Config\.Security\.On \&\& !s\.Peers\.Find\(p\.Suspect\)/if (s.Config.Security.On \&\& p.Incarnation < 0 \&\& !s.Peers.Find(p.Suspect)/|tests/GossipPure.Simulation.Tests|FullyQualifiedName~ByzantineProperties.Byzantine_seeds_cannot_get_honest_seeds_to_sign"
  # Purity: the core reads no clock.
  'core-reads-the-clock|src/GossipPure.Core/Rng.cs|s/(public readonly record struct Rng\(ulong State\)\n\{)/$1\n    public static long Wall() => System.DateTime.UtcNow.Ticks;/|tests/GossipPure.Core.Tests|FullyQualifiedName~PurityTests'
)

# A mutant counts as killed only when the guarding tests built, ran, and at least one failed on an assertion (an
# xunit Assert or an FsCheck counterexample). A build error, a test host crash, a run with no test, or a timeout is
# a broken mutant, never a kill.
per_mutant_s="${MUTANT_TIMEOUT_S:-900}"
want=("$@")
status=0
for m in "${mutants[@]}"; do
  IFS='|' read -r name file subst project filter <<<"$m"
  [[ ${#want[@]} -gt 0 && ! " ${want[*]} " == *" $name "* ]] && continue
  cp "$root/$file" "$work/$file"            # start from the real file each time
  perl -0pi -e "$subst" "$work/$file"
  log="$work/$name.log"
  if cmp -s "$root/$file" "$work/$file"; then echo "$name: the edit did not apply (fix the mutant)"; status=1; continue; fi
  if ! timeout "$per_mutant_s" dotnet build "$work/$project" >"$log" 2>&1; then
    echo "$name: the mutant does not compile or the build failed (fix the mutant)"; grep -m3 -E "error [A-Z]+[0-9]+" "$log"; status=1
  else
    timeout "$per_mutant_s" dotnet test "$work/$project" --no-build --filter "$filter" >>"$log" 2>&1
    rc=$?
    total=$(grep -oE "Total: +[0-9]+" "$log" | tail -1 | grep -oE "[0-9]+")
    failed=$(grep -oE "Failed: +[0-9]+" "$log" | tail -1 | grep -oE "[0-9]+")
    if [[ $rc -eq 124 ]]; then
      echo "$name: TIMED OUT after ${per_mutant_s}s (not a kill: fix the mutant or its test)"; status=1
    elif [[ $rc -eq 0 ]]; then
      echo "$name: SURVIVED ($project --filter '$filter' passed with the rule broken)"; status=1
    elif [[ -z "$total" || "$total" -eq 0 || -z "$failed" || "$failed" -eq 0 ]] || grep -qE "Test Run Aborted|The active test run was aborted" "$log"; then
      echo "$name: BROKEN (exit $rc, but no test failed on an assertion: see $log)"; status=1; keep=1
    elif grep -A1 "Error Message:" "$log" | grep -vE "Error Message:|^--" | grep -qE "^ *System\.[A-Za-z.]*Exception"; then
      # A failed test's message that is a runtime exception (not an xunit assertion or an FsCheck counterexample).
      echo "$name: BROKEN ($failed failed, but on an exception, not an assertion: see $log)"; status=1; keep=1
    else
      echo "$name: killed ($failed of $total failed in $project, filter $filter)"
    fi
  fi
  cp "$root/$file" "$work/$file"
done
exit $status
