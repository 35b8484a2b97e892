// The honest placeholder for a section that is planned but not built: what it will do, and that it isn't here yet.
import type { LucideIcon } from "lucide-react";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";

export function ComingSoon({
  title,
  description,
  icon: Icon,
  plans,
  notice,
}: {
  title: string;
  description: string;
  icon: LucideIcon;
  plans: string[];
  notice: string;
}) {
  return (
    <>
      <PageHeader title={title} description={description} />
      <Card>
        <div className="flex flex-col gap-6 px-6 py-8 sm:flex-row sm:items-start sm:px-8">
          <div className="flex size-11 shrink-0 items-center justify-center rounded-lg bg-accent-50 text-accent-600">
            <Icon aria-hidden="true" className="size-5" />
          </div>
          <div className="min-w-0">
            <p className="font-semibold text-gray-900 text-base">Not built yet</p>
            <p className="mt-1 text-gray-600 text-sm">{notice}</p>
            <p className="mt-5 font-medium text-gray-500 text-xs uppercase tracking-wide">What it will do</p>
            <ul className="mt-2 space-y-1.5 text-gray-700 text-sm">
              {plans.map((plan) => (
                <li key={plan} className="flex gap-2.5">
                  <span aria-hidden="true" className="mt-2 size-1 shrink-0 rounded-full bg-gray-400" />
                  {plan}
                </li>
              ))}
            </ul>
          </div>
        </div>
      </Card>
    </>
  );
}
