/** `farsight report`: the run-directory format, its reader, the SVG charts and the HTML report. */
export { RUN_FILES, RunDirWriter, type RunConfig, type CurvePoint, type EpisodeRecord, type ResultColumn, type ResultsTable } from "../run-dir/run-dir.js";
export { readRunDir, type RunDirData, type Problem, type RunFile } from "../run-dir/read-run-dir.js";
export { isFarsightReport, REPORT_GENERATOR_MARK, writeReportFile, type WriteReportOptions } from "./write-report.js";
export { buildReport, REPORT_CSS, type Report, type ReportOptions } from "./html.js";
export { lineChart, type LineSeries, type LinePoint, type LineChartOptions } from "./line-chart.js";
export { groupedBarChart, type Bin, type BarGroup, type BarChartOptions } from "./bar-chart.js";
export { stackedAreaChart, legendStrip, type AreaLayer, type StackedAreaOptions } from "./stacked-area.js";
export { resultsTable, configTable, flattenConfig } from "./table.js";
export { curvesByMetric, lengthBins, lengthHistogram, exposureByStep, topCategories, type Exposure } from "./analysis.js";
export { writeFixtureRunDir, type FixtureOptions } from "../run-dir/fixtures.js";
export { DEMO_WEIGHTS_FILE, isIlrecRun, readDemoWeights, type DemoWeightsFile, type DemoWeightSnapshot } from "./ilrec-data.js";
export { ilrecSections, ilrecColours, baseMethod } from "./ilrec-sections.js";
export { comparisonSection, configSection, curvesSection, exposureSection, figure, lengthSection, metricLabel, problemsSection, type Section } from "./sections.js";
