"""Type stubs of custos's native module (crates/custos-py). Use the wrappers in custos.pii,
custos.fairness, custos.explain, custos.drift and custos.consent rather than these directly."""

from typing import Any, Optional

__version__: str

class CustosError(ValueError):
    """An engine refused its input; the message names the argument and says why."""

class PiiFinding:
    entity_type: str
    start: int
    end: int
    score: float
    def __init__(self, entity_type: str, start: int, end: int, score: float) -> None: ...
    def to_dict(self) -> dict[str, Any]: ...

def pii_analyze(
    texts: list[str],
    entities: Optional[list[str]] = None,
    threshold: Optional[float] = None,
    allow_list: list[str] = ...,
    context: list[str] = ...,
) -> list[list[PiiFinding]]: ...
def pii_anonymize(
    texts: list[str],
    operators: Optional[str] = None,
    entities: Optional[list[str]] = None,
    threshold: Optional[float] = None,
    allow_list: list[str] = ...,
) -> list[tuple[str, list[tuple[int, int, str, str, str]]]]: ...
def pii_scan_partial(table: Any, entities: Optional[list[str]] = None, threshold: Optional[float] = None) -> str: ...
def pii_scan_merge(partials: list[str]) -> str: ...
def pii_scan_finish(partial: str, file: str = "<table>", classify_share: float = 0.5) -> str: ...
def pii_redact_table(
    table: Any,
    operators: Optional[str] = None,
    columns: dict[str, str] = ...,
    entities: Optional[list[str]] = None,
    threshold: Optional[float] = None,
) -> Any: ...
def pii_supported_entities() -> list[str]: ...

class FairnessPartial:
    @property
    def rows(self) -> int: ...
    def merge(self, others: list[FairnessPartial]) -> None: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> FairnessPartial: ...
    def report(self, min_group_size: int = 30, bootstrap: int = 1000, seed: int = 20261122, reference_group: Optional[str] = None) -> str: ...

def fairness_partial(
    table: Any,
    sensitive: list[str],
    y_true: str,
    y_pred: str,
    score: Optional[str] = None,
    favorable: str = "1",
    streaming: bool = False,
) -> FairnessPartial: ...
def fairness_report_html(report: str, provenance: list[tuple[str, str]] = ...) -> str: ...
def fairness_check_data(
    table: Any,
    sensitive: list[str],
    y_true: str,
    favorable: str = "1",
    max_categories: int = 50,
    proxy_threshold: float = 0.3,
    reference: dict[str, dict[str, float]] = ...,
) -> str: ...
def fairness_reweighing(table: Any, sensitive: list[str], y_true: str, favorable: str = "1", weight_column: str = "weight") -> Any: ...
def fairness_thresholds(
    table: Any,
    sensitive: list[str],
    y_true: str,
    score: str,
    favorable: str = "1",
    constraint: str = "demographic_parity",
    tolerance: float = 0.02,
    baseline_threshold: float = 0.5,
) -> str: ...

class TreeModel:
    def __init__(self, data: bytes, max_depth: int = 64, max_nodes: int = 2000000, max_leaves: int = 1000000) -> None: ...
    @property
    def feature_names(self) -> list[str]: ...
    @property
    def n_outputs(self) -> int: ...
    @property
    def expected_margin(self) -> list[float]: ...
    def rows_from_table(self, table: Any) -> tuple[bytes, int]: ...
    def shap(self, data: bytes, n_rows: int, n_cols: int, background: Optional[bytes] = None, n_background: int = 0) -> bytes: ...
    def predict(self, data: bytes, n_rows: int, n_cols: int) -> bytes: ...

def drift_compare(
    reference: Any = None,
    current: Any = None,
    reference_profile: Optional[str] = None,
    current_profile: Optional[str] = None,
    columns: Optional[list[str]] = None,
    categorical: list[str] = ...,
    correction: str = "holm",
    alpha: float = 0.05,
    min_effect: dict[str, float] = ...,
) -> str: ...
def drift_profile(table: Any, columns: Optional[list[str]] = None, categorical: list[str] = ...) -> str: ...
def drift_merge(profiles: list[str]) -> str: ...
def drift_profile_rows(profile: str) -> int: ...

def consent_decode(string: str, lenient: bool = False) -> str: ...
def consent_encode(value: str) -> str: ...
def consent_validate(strings: list[str], lenient: bool = False) -> list[Optional[tuple[str, str]]]: ...

def anon_check(table: Any, quasi: list[str], sensitive: list[str] = ..., categorical: list[str] = ..., risk_threshold: float = 0.2) -> str: ...

class AnonPartial:
    @property
    def rows(self) -> int: ...
    @property
    def combinations(self) -> int: ...
    def merge(self, others: list[AnonPartial]) -> None: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> AnonPartial: ...
    def report(self, risk_threshold: float = 0.2) -> str: ...

def anon_partial(table: Any, quasi: list[str], sensitive: list[str] = ..., categorical: list[str] = ...) -> AnonPartial: ...
def anon_enforce(
    table: Any,
    quasi: list[str],
    hierarchies: str,
    k: int,
    sensitive: list[tuple[str, int, Optional[float]]] = ...,
    max_suppressed: int = 0,
    categorical: list[str] = ...,
) -> tuple[Any, str]: ...
def anon_dp_stats(
    table: Any,
    segment_by: str,
    keys: Optional[list[str]] = None,
    select_keys: Optional[float] = None,
    sum: Optional[str] = None,
    bounds: Optional[tuple[int, int]] = None,
    epsilon: Optional[float] = None,
    rho: Optional[float] = None,
    delta: float = 1e-6,
) -> tuple[str, int]: ...
