// Ordering text the same on every machine: character by character (UTF-16 code units), not by the
// locale's collation. For the ASCII the plugin sorts (Kubernetes names, RFC 3339 times) it is the order
// localeCompare gave in English and Korean, without the ~8 ms the first localeCompare of a process costs
// (ICU's collator, Node 20 here).
export const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
