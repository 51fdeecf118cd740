export { compareAlong, robustness, threshold, type CompareAlongOptions, type EvidenceRun, type PointComparison, type Robustness, type Threshold } from "./analyse.js";
export { runEvidence, writeEvidenceData, type EvidenceData, type EvidenceOptions, type PlanQualityRow } from "./run.js";
export { writeEvidenceDoc, type EvidenceDocOptions } from "./render.js";
export { FULL_SCALE, QUICK_SCALE, SCALES, METHOD, REPORT_SEEDS, SELECTION_SEEDS, SMOKE_SCALE, SWEEPS, type CatalogSize, type EvidenceScale, type ScaleName, type SweepId } from "./sweeps.js";
