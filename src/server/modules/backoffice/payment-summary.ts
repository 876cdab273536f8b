/** A payment row as `PaymentSummary` (customers.schemas.ts) describes it. */
export function paymentSummary(p: { id: string; loan_id: string; status: string; method: string; amount_kopecks: number; created_at: Date; paid_at: Date | null }) {
  return {
    id: p.id,
    loanId: p.loan_id,
    status: p.status,
    method: p.method,
    amountKopecks: p.amount_kopecks,
    createdAt: p.created_at.toISOString(),
    paidAt: p.paid_at?.toISOString() ?? null,
  };
}
