import { BarChart3, Box, Download, Shuffle, Upload, Wrench, type LucideIcon } from "lucide-react";

const byCategory: Record<string, LucideIcon> = { extract: Download, transform: Shuffle, load: Upload, analyze: BarChart3, utility: Wrench };

export function CategoryIcon({ category, size = 14 }: { category: string | undefined; size?: number }) {
  const Icon = (category && byCategory[category]) || Box;
  return <Icon size={size} aria-hidden="true" />;
}
