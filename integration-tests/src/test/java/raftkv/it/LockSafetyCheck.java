package raftkv.it;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Whether a lock kept its holders apart, judged from the store's history of the key they all wrote
 * ({@link LockWorker#LOG_KEY}) and from what the workers recorded.
 *
 * <p>Each acquisition writes {@code <worker>:<acquisition>:<step>}, so the history falls into runs of writes, one per
 * acquisition. With one holder at a time, the runs never interleave and follow the order of the fencing tokens:
 * <pre>
 *   1:4:1 1:4:2 1:4:3 | 3:2:1 3:2:2 | 2:7:1 ...      one run after another: fine
 *   1:4:1 1:4:2 | 3:2:1 3:2:2 | 1:4:3 | 3:2:3         1:4 writes again after 3:2 has: two holders at once
 *   2:7:1 (token 40) | 1:5:1 (token 35)               a run begun after a run of a later token: two holders at once
 * </pre>
 * (the second case is a holder that was frozen, lost its lease, and woke up writing.) Those are the overlaps. The
 * workers' records must also agree with the history: every step recorded as acknowledged is there at its
 * revision, every write there was made by a step recorded as acknowledged or of unknown outcome (or in flight
 * when its worker was killed), none by a step refused by the fence, none twice; and no worker recorded anything
 * while it was frozen.
 *
 * <p>In fenced mode, a run without overlaps proves something only if the freezes bit: at least one frozen holder
 * must have been fenced off after it woke up. Otherwise the check does not pass.
 */
final class LockSafetyCheck {

    /**
     * What the check found; {@link #passed()} is its verdict. {@code runs} are the history's runs of one
     * acquisition's writes; {@code pausedHoldersFencedOff} counts freezes after which the frozen acquisition had a
     * step refused by the fence, {@code pausedHoldersWroteOn} those after which it had a step acknowledged that it
     * surely began awake.
     */
    record Result(LockWorker.Mode mode, int acquisitions, int runs, int writes, int okSteps, int fencedSteps,
                  int unknownSteps, int pauses, int pausedHoldersFencedOff, int pausedHoldersWroteOn,
                  List<Overlap> overlaps, List<String> mismatches) {

        /** No two acquisitions wrote while both believed they held the lock. */
        boolean holdersExcluded() {
            return overlaps.isEmpty();
        }

        /** The workers' records and the store's history tell the same story. */
        boolean recordsAgree() {
            return mismatches.isEmpty();
        }

        /** Fenced: some frozen holder was fenced off when it woke up. Unfenced there is nothing to demand. */
        boolean pausesBit() {
            return mode == LockWorker.Mode.UNFENCED || pausedHoldersFencedOff > 0;
        }

        boolean passed() {
            return holdersExcluded() && recordsAgree() && pausesBit();
        }

        /** How many distinct pairs of acquisitions overlapped. */
        long overlappingPairs() {
            return overlaps.stream().map(o -> Set.of(o.writer(), o.other())).distinct().count();
        }

        String describe() {
            StringBuilder b = new StringBuilder(String.format("%s: %s; %d acquisitions, %d runs of %d writes"
                            + " (steps: %d ok, %d fenced off, %d unknown); %d pauses, %d paused holders fenced off,"
                            + " %d wrote on after it; %d overlapping writes (%d pairs of holders), %d"
                            + " mismatches with the records",
                    mode, passed() ? "passed" : "FAILED", acquisitions, runs, writes, okSteps, fencedSteps,
                    unknownSteps, pauses, pausedHoldersFencedOff, pausedHoldersWroteOn, overlaps.size(),
                    overlappingPairs(), mismatches.size()));
            if (!pausesBit()) {
                b.append("\n  no frozen holder was fenced off after it woke up: the pauses did not bite, and the run"
                        + " proves nothing");
            }
            overlaps.stream().limit(10).forEach(o -> b.append("\n  overlap ").append(o));
            mismatches.stream().limit(10).forEach(m -> b.append("\n  mismatch ").append(m));
            return b.toString();
        }
    }

    /**
     * A write that broke mutual exclusion: acquisition {@code writer} (as {@code worker:acquisition}) wrote at
     * {@code revision} while acquisition {@code other} also held the lock.
     */
    record Overlap(String writer, String other, long revision, String description) {
        @Override
        public String toString() {
            return description;
        }
    }

    /** One acquisition: which worker, which of its acquisitions. */
    private record Acquisition(int worker, int number) {
        static Acquisition of(LockEvent e) {
            return new Acquisition(e.worker(), e.acquisition());
        }

        @Override
        public String toString() {
            return worker + ":" + number;
        }
    }

    /** One step's value, parsed back. */
    private record Step(Acquisition acquisition, int step) {
        static Step parse(String value) {
            String[] f = value == null ? new String[0] : value.split(":");
            if (f.length != 3) {
                return null;
            }
            try {
                return new Step(new Acquisition(Integer.parseInt(f[0]), Integer.parseInt(f[1])),
                        Integer.parseInt(f[2]));
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    private LockSafetyCheck() {
    }

    static Result check(LockWorker.Mode mode, List<WatchRecorder.Seen> history, LockSafetyWorkload.Records records) {
        List<Overlap> overlaps = new ArrayList<>();
        List<String> mismatches = new ArrayList<>();
        Map<Acquisition, Long> tokens = new HashMap<>();
        Map<Step, LockEvent> steps = new HashMap<>();
        Map<Integer, LockEvent> lastEvent = new HashMap<>();
        for (LockEvent e : records.events()) {
            switch (e.kind()) {
                case ACQUIRED -> tokens.put(Acquisition.of(e), e.token());
                case OK, FENCED, UNKNOWN -> steps.put(new Step(Acquisition.of(e), e.step()), e);
                default -> {
                }
            }
            lastEvent.put(e.worker(), e);
        }
        int runs = runsOf(history, tokens, overlaps, mismatches);
        checkRecords(history, records, steps, lastEvent, mismatches);
        checkFrozen(records, mismatches);

        int fencedOff = 0;
        int wroteOn = 0;
        for (LockSafetyWorkload.Pause p : records.pauses()) {
            Acquisition paused = new Acquisition(p.worker(), p.acquisition());
            List<LockEvent> after = records.events().stream().filter(e -> Acquisition.of(e).equals(paused)
                    && e.millis() >= p.endMillis()).toList();
            fencedOff += after.stream().anyMatch(e -> e.kind() == LockEvent.Kind.FENCED) ? 1 : 0;
            // The first step recorded awake may have been sent before the freeze and applied while the lease still
            // lived; a step after it was surely begun awake.
            int firstAwake = after.stream().filter(e -> e.step() > 0).mapToInt(LockEvent::step).min().orElse(0);
            wroteOn += after.stream().anyMatch(e -> e.kind() == LockEvent.Kind.OK && e.step() > firstAwake) ? 1 : 0;
        }
        return new Result(mode, tokens.size(), runs, history.size(), count(records, LockEvent.Kind.OK),
                count(records, LockEvent.Kind.FENCED), count(records, LockEvent.Kind.UNKNOWN),
                records.pauses().size(), fencedOff, wroteOn, overlaps, mismatches);
    }

    /**
     * Walks the history in revision order, as runs of one acquisition's writes, and notes every write that breaks
     * mutual exclusion (an overlap); returns how many runs there were.
     */
    private static int runsOf(List<WatchRecorder.Seen> history, Map<Acquisition, Long> tokens, List<Overlap> overlaps,
                              List<String> mismatches) {
        Set<Acquisition> superseded = new HashSet<>();
        Map<Acquisition, WatchRecorder.Seen> lastWrite = new HashMap<>();
        Map<Acquisition, Integer> lastStep = new HashMap<>();
        Acquisition current = null;
        Acquisition newest = null; // the acquisition of the highest token that has written so far
        int runs = 0;
        for (WatchRecorder.Seen c : history) {
            Step s = Step.parse(c.value());
            if (s == null) {
                mismatches.add("revision " + c.revision() + " holds " + c.value() + ", which no step writes");
                continue;
            }
            Acquisition a = s.acquisition();
            if (!a.equals(current)) {
                runs++;
                if (current != null) {
                    superseded.add(current);
                }
                Long token = tokens.get(a);
                if (token == null) {
                    mismatches.add("revision " + c.revision() + ": " + c.value() + " was written by acquisition " + a
                            + ", which its worker never recorded taking");
                } else if (superseded.contains(a)) {
                    overlaps.add(new Overlap(a.toString(), current.toString(), c.revision(), c.value()
                            + " at revision " + c.revision()
                            + " was written after " + current + " wrote " + lastWrite.get(current).value() + " at "
                            + lastWrite.get(current).revision() + ", while " + a + " had already written "
                            + lastWrite.get(a).value() + " at " + lastWrite.get(a).revision()
                            + ": two holders at once"));
                } else if (newest != null && token < tokens.get(newest)) {
                    overlaps.add(new Overlap(a.toString(), newest.toString(), c.revision(), c.value()
                            + " at revision " + c.revision()
                            + " (token " + token + ") was written after " + newest + " (token " + tokens.get(newest)
                            + ", so it took the lock later) wrote " + lastWrite.get(newest).value() + " at "
                            + lastWrite.get(newest).revision() + ": two holders at once"));
                }
                if (token != null && (newest == null || token > tokens.get(newest))) {
                    newest = a;
                }
                current = a;
            }
            Integer before = lastStep.put(a, s.step());
            if (before != null && before >= s.step()) {
                mismatches.add("revision " + c.revision() + ": step " + c.value() + " follows step " + before
                        + " of the same acquisition");
            }
            lastWrite.put(a, c);
        }
        return runs;
    }

    /**
     * Every acknowledged step is in the history at its revision; every write in the history was made by a step
     * recorded as acknowledged or unknown (or in flight when its worker was killed: one that never recorded its
     * stop), never by one the fence refused, and only once.
     */
    private static void checkRecords(List<WatchRecorder.Seen> history, LockSafetyWorkload.Records records,
                                     Map<Step, LockEvent> steps, Map<Integer, LockEvent> lastEvent,
                                     List<String> mismatches) {
        Map<Long, String> byRevision = new HashMap<>();
        Set<String> seen = new HashSet<>();
        for (WatchRecorder.Seen c : history) {
            byRevision.put(c.revision(), c.value());
            if (c.value() != null && !seen.add(c.value())) {
                mismatches.add(c.value() + " was written twice (again at revision " + c.revision() + ")");
            }
        }
        for (LockEvent e : records.events()) {
            if (e.kind() == LockEvent.Kind.OK && !e.value().equals(byRevision.get(e.revision()))) {
                mismatches.add(e + ", but the history has " + byRevision.get(e.revision()) + " at that revision");
            }
        }
        for (WatchRecorder.Seen c : history) {
            Step s = Step.parse(c.value());
            if (s == null) {
                continue; // reported with the runs
            }
            LockEvent e = steps.get(s);
            if (e == null) {
                // A worker that did not record its stop was killed (or halted) and may have had this step in flight.
                LockEvent last = lastEvent.get(s.acquisition().worker());
                boolean inFlight = last != null && last.kind() != LockEvent.Kind.STOPPED
                        && (last.acquisition() < s.acquisition().number()
                        || last.acquisition() == s.acquisition().number() && last.step() < s.step());
                if (!inFlight) {
                    mismatches.add(c.value() + " at revision " + c.revision() + " is a step its worker never recorded");
                }
            } else if (e.kind() == LockEvent.Kind.FENCED) {
                mismatches.add(c.value() + " at revision " + c.revision() + " was applied, but its worker recorded: "
                        + e);
            }
        }
    }

    /** A frozen worker records nothing: if one did, the freeze did not take, and the run is not what it seems. */
    private static void checkFrozen(LockSafetyWorkload.Records records, List<String> mismatches) {
        long slackMillis = 100; // a thread on the other core may run a moment after kill(2) returns
        for (LockSafetyWorkload.Pause p : records.pauses()) {
            for (LockEvent e : records.events()) {
                if (e.worker() == p.worker() && e.millis() > p.startMillis() + slackMillis
                        && e.millis() < p.endMillis()) {
                    mismatches.add("worker " + p.worker() + " recorded " + e + " while frozen from " + p.startMillis()
                            + " to " + p.endMillis());
                }
            }
        }
    }

    private static int count(LockSafetyWorkload.Records records, LockEvent.Kind kind) {
        return (int) records.events().stream().filter(e -> e.kind() == kind).count();
    }
}
