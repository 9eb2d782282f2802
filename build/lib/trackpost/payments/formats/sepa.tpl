### header
<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <CstmrCdtTrfInitn>
    <GrpHdr>
      <MsgId>{$batch_id|sepa|truncate:35}</MsgId>
      <CreDtTm>{$datetime}</CreDtTm>
      <NbOfTxs>{$count}</NbOfTxs>
      <CtrlSum>{$total}</CtrlSum>
      <InitgPty>
        <Nm>{$payvia.debtor_name|sepa|truncate:70}</Nm>
      </InitgPty>
    </GrpHdr>
    <PmtInf>
      <PmtInfId>{$batch_id|sepa|truncate:35}</PmtInfId>
      <PmtMtd>TRF</PmtMtd>
      <BtchBookg>true</BtchBookg>
      <NbOfTxs>{$count}</NbOfTxs>
      <CtrlSum>{$total}</CtrlSum>
      <PmtTpInf>
        <SvcLvl>
          <Cd>SEPA</Cd>
        </SvcLvl>
      </PmtTpInf>
      <ReqdExctnDt>{$date}</ReqdExctnDt>
      <Dbtr>
        <Nm>{$payvia.debtor_name|sepa|truncate:70}</Nm>
      </Dbtr>
      <DbtrAcct>
        <Id>
          <IBAN>{$payvia.debtor_iban|alnum}</IBAN>
        </Id>
      </DbtrAcct>
      <DbtrAgt>
        <FinInstnId>
          <BIC>{$payvia.debtor_bic|alnum}</BIC>
        </FinInstnId>
      </DbtrAgt>
      <ChrgBr>SLEV</ChrgBr>
### entry_header
      <CdtTrfTxInf>
### entry
        <PmtId>
          <EndToEndId>TP-{$paymentid}</EndToEndId>
        </PmtId>
        <Amt>
          <InstdAmt Ccy="{$payvia.currency|default:"EUR"|alnum}">{$total}</InstdAmt>
        </Amt>
{if $affiliate.Payvia.BIC}        <CdtrAgt>
          <FinInstnId>
            <BIC>{$affiliate.Payvia.BIC|alnum}</BIC>
          </FinInstnId>
        </CdtrAgt>
{/if}        <Cdtr>
          <Nm>{$pay_to|sepa|truncate:70}</Nm>
        </Cdtr>
        <CdtrAcct>
          <Id>
            <IBAN>{$affiliate.Payvia.IBAN|alnum}</IBAN>
          </Id>
        </CdtrAcct>
        <RmtInf>
          <Ustrd>Affiliate payout {$entry.start} to {$entry.end}</Ustrd>
        </RmtInf>
### entry_footer
      </CdtTrfTxInf>
### footer
    </PmtInf>
  </CstmrCdtTrfInitn>
</Document>
