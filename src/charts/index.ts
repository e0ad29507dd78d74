/** The charts, their defaults, and the pure functions behind them. */
export { AccuracyCurves, defaults as accuracyCurvesDefaults, type AccuracyCurvesProps } from './AccuracyCurves';
export { DataTable, defaults as dataTableDefaults, type DataTableProps } from './DataTable';
export { GradientByDepth, defaults as gradientByDepthDefaults, type GradientByDepthProps } from './GradientByDepth';
export { GradientHeatmap, defaults as gradientHeatmapDefaults, type GradientHeatmapProps } from './GradientHeatmap';
export { HeadContributions, defaults as headContributionsDefaults, type HeadContributionsProps } from './HeadContributions';
export { LossCurves, defaults as lossCurvesDefaults, type LossCurvesProps } from './LossCurves';
export { NetworkDiagram, defaults as networkDiagramDefaults, type NetworkDiagramProps } from './NetworkDiagram';
export { RatioChart, defaults as ratioChartDefaults, type RatioChartProps } from './RatioChart';
export { findings } from './findings';
export { blockOfLayer, depthPoints, headSeries, latestPerHeadIndex, MEASURE_LABEL, ratioPoints, smooth } from './data';
export { logScale } from './scales';
export { curvesTable, depthTable, headTable, heatmapTable, ratioTable, type TableData } from './tables';
export { theme } from './theme';
export type { ChartRun, Detail, HeadName, LayerKind } from './types';
