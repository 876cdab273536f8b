/** The vehicle domain core (issue 10, loans secured by a car): VIN, collateral limit, car rules, pledge release. */
export {
  CHECK_DIGIT_INDEX,
  checkDigitApplies,
  normalizeVin,
  validateVin,
  VIN_ALPHABET,
  VIN_LENGTH,
  VIN_WEIGHTS,
  vinCharValue,
  vinCheckDigit,
  type VinValidation,
} from './vin';
export {
  collateralLimitRubles,
  DEFAULT_VALUATION_SHARE_PERCENT,
  type CollateralLimit,
  type CollateralLimitDeclineCode,
  type CollateralLimitOptions,
} from './collateral-limit';
export {
  CAR_RESTRICTIONS,
  DEFAULT_CAR_RULES,
  evaluateCar,
  yearsText,
  type CarChecks,
  type CarEvaluation,
  type CarLoanTerm,
  type CarRestriction,
  type CarRules,
  type EvaluateCarInput,
} from './car-rules';
export {
  PLEDGE_RELEASE_WORKING_DAYS,
  releaseDeadline,
  releaseProgress,
  type PledgeReleaseStatus,
  type ReleaseProgress,
  type ReleaseProgressInput,
} from './pledge-release';
export {
  maskDocumentNumber,
  MAX_MILEAGE_KM,
  MIN_VEHICLE_YEAR,
  normalizePlate,
  PLATE_LETTERS,
  validatePlate,
  validatePtsNumber,
  validateStsNumber,
  validateVehicle,
  type FieldCheck,
  type VehicleInput,
} from './documents';
