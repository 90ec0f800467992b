"""Outbound call campaigns (AI 外呼): the calling platform's result exports."""
