import { EMPLOYMENT_TYPES } from '../../../core/questionnaire';
import { DIVISION_CODE_PATTERN, applyDateMask, applyPatternMask } from '../../lib/masks';
import { EMPLOYMENT_LABELS, type FieldPath, type FormValues } from '../../lib/questionnaire-form';
import { Checkbox, RadioGroup, TextField, fieldId } from '../../components/fields';

export type StepFormProps = {
  values: FormValues;
  errorOf: (path: FieldPath) => string | undefined;
  onValue: (path: FieldPath, value: string) => void;
  onLeave: (path: FieldPath) => void;
};

/** Props every field of a step shares: its value, its error and the handlers. */
const bind = ({ values, errorOf, onValue, onLeave }: StepFormProps, path: FieldPath) => ({
  path,
  value: values[path],
  error: errorOf(path),
  onValue: (value: string) => onValue(path, value),
  onLeave: () => onLeave(path),
});

const digits = (count: number) => (previous: string, raw: string, caret: number, inputType: string) =>
  applyPatternMask('D'.repeat(count), previous, raw, caret, inputType);
const divisionCode = (previous: string, raw: string, caret: number, inputType: string) =>
  applyPatternMask(DIVISION_CODE_PATTERN, previous, raw, caret, inputType);

const DATE_HINT = 'ДД.ММ.ГГГГ, например 17.05.1990';

export const PersonStep = (props: StepFormProps) => (
  <>
    <p class="step-intro">Как в паспорте.</p>
    <TextField {...bind(props, 'lastName')} label="Фамилия" autoComplete="family-name" autoCapitalize="words" maxLength={60} />
    <TextField {...bind(props, 'firstName')} label="Имя" autoComplete="given-name" autoCapitalize="words" maxLength={60} />
    <TextField
      {...bind(props, 'middleName')}
      label="Отчество"
      optional
      hint="Если в паспорте его нет, оставьте поле пустым."
      autoComplete="additional-name"
      autoCapitalize="words"
      maxLength={60}
    />
    <TextField
      {...bind(props, 'birthDate')}
      label="Дата рождения"
      hint={DATE_HINT}
      inputMode="numeric"
      autoComplete="bday"
      placeholder="ДД.ММ.ГГГГ"
      maxLength={10}
      mask={applyDateMask}
      class="field-short"
    />
    <TextField
      {...bind(props, 'birthPlace')}
      label="Место рождения"
      hint="Как в паспорте, например: г. Тверь"
      autoCapitalize="sentences"
      maxLength={200}
    />
  </>
);

export const PassportStep = (props: StepFormProps) => (
  <>
    <p class="step-intro">Паспорт гражданина РФ: данные с разворота с фотографией.</p>
    <div class="field-row">
      <TextField {...bind(props, 'passport.series')} label="Серия" hint="4 цифры" inputMode="numeric" placeholder="0000" mask={digits(4)} />
      <TextField {...bind(props, 'passport.number')} label="Номер" hint="6 цифр" inputMode="numeric" placeholder="000000" mask={digits(6)} />
    </div>
    <TextField
      {...bind(props, 'passport.issuedAt')}
      label="Дата выдачи"
      hint={DATE_HINT.replace('17.05.1990', '01.06.2010')}
      inputMode="numeric"
      placeholder="ДД.ММ.ГГГГ"
      maxLength={10}
      mask={applyDateMask}
      class="field-short"
    />
    <TextField {...bind(props, 'passport.issuer')} label="Кем выдан" hint="Как написано в паспорте" multiline maxLength={300} />
    <TextField
      {...bind(props, 'passport.divisionCode')}
      label="Код подразделения"
      hint="6 цифр, например 770-001"
      inputMode="numeric"
      placeholder="000-000"
      mask={divisionCode}
      class="field-short"
    />
  </>
);

type AddressStepProps = StepFormProps & { sameAddress: boolean; onSameAddress: (same: boolean) => void };

export const AddressStep = (props: AddressStepProps) => (
  <>
    <TextField
      {...bind(props, 'registrationAddress')}
      label="Адрес регистрации"
      hint="Как в паспорте: регион, город, улица, дом, квартира"
      multiline
      maxLength={300}
    />
    <Checkbox id="q-same-address" checked={props.sameAddress} onChange={props.onSameAddress}>
      Адрес проживания совпадает с адресом регистрации
    </Checkbox>
    {!props.sameAddress && (
      <TextField
        {...bind(props, 'actualAddress')}
        label="Адрес проживания"
        hint="Где вы живёте сейчас: регион, город, улица, дом, квартира"
        multiline
        maxLength={300}
      />
    )}
  </>
);

export const ContactsStep = (props: StepFormProps) => (
  <>
    <TextField
      {...bind(props, 'inn')}
      label="ИНН"
      hint="12 цифр. По ИНН мы проверяем, нет ли самозапрета на займы. Узнать ИНН можно на Госуслугах или на nalog.gov.ru."
      inputMode="numeric"
      placeholder="000000000000"
      mask={digits(12)}
    />
    <TextField
      {...bind(props, 'email')}
      label="Электронная почта"
      hint="Для документов по займу"
      type="email"
      inputMode="email"
      autoComplete="email"
      maxLength={254}
    />
  </>
);

const EMPLOYMENT_OPTIONS = EMPLOYMENT_TYPES.map((value) => ({ value, label: EMPLOYMENT_LABELS[value] }));

export const EmploymentStep = (props: StepFormProps) => {
  const { values } = props;
  return (
    <>
      <RadioGroup
        id={fieldId('employment.type')}
        name="employment-type"
        legend="Занятость"
        options={EMPLOYMENT_OPTIONS}
        value={values['employment.type']}
        error={props.errorOf('employment.type')}
        onValue={(value) => {
          props.onValue('employment.type', value);
          props.onLeave('employment.type');
        }}
      />
      {values['employment.type'] === 'employed' && (
        <TextField {...bind(props, 'employment.employer')} label="Место работы" hint="Название организации" autoComplete="organization" maxLength={200} />
      )}
      <TextField
        {...bind(props, 'employment.monthlyIncome')}
        label="Доход в месяц, ₽"
        hint="В среднем за месяц, целое число рублей"
        inputMode="numeric"
        maxLength={14}
        class="field-short"
        mask={(_previous, raw, caret) => {
          const keep = (text: string) => text.replace(/[^\d\s\u00a0]/g, '');
          return { value: keep(raw), caret: keep(raw.slice(0, caret)).length };
        }}
      />
      <TextField
        {...bind(props, 'employment.incomeSource')}
        label="Источник дохода"
        optional
        hint="Например: зарплата, пенсия, стипендия, доход от бизнеса"
        maxLength={200}
      />
    </>
  );
};
