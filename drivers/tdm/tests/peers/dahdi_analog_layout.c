/* Prints what the analog part of tdm::dahdi mirrors from the DAHDI user ABI: "key value" lines.
 * tests/dahdi_analog_layout.rs compares them with src/dahdi/sys.rs and src/dahdi/analog.rs. */
#include <stdio.h>
#include <dahdi/user.h>

int main(void)
{
	printf("ioctl.DAHDI_GET_PARAMS %lu\n", (unsigned long)DAHDI_GET_PARAMS);
	printf("ioctl.DAHDI_SET_PARAMS %lu\n", (unsigned long)DAHDI_SET_PARAMS);
	printf("ioctl.DAHDI_HOOK %lu\n", (unsigned long)DAHDI_HOOK);
	printf("ioctl.DAHDI_GETEVENT %lu\n", (unsigned long)DAHDI_GETEVENT);
	printf("ioctl.DAHDI_CHANNO %lu\n", (unsigned long)DAHDI_CHANNO);
	printf("ioctl.DAHDI_SPECIFY %lu\n", (unsigned long)DAHDI_SPECIFY);
	printf("ioctl.DAHDI_ONHOOKTRANSFER %lu\n", (unsigned long)DAHDI_ONHOOKTRANSFER);
	printf("ioctl.DAHDI_SETPOLARITY %lu\n", (unsigned long)DAHDI_SETPOLARITY);
	printf("ioctl.DAHDI_SET_BLOCKSIZE %lu\n", (unsigned long)DAHDI_SET_BLOCKSIZE);
	printf("ioctl.DAHDI_SET_BUFINFO %lu\n", (unsigned long)DAHDI_SET_BUFINFO);
	printf("ioctl.DAHDI_BUFFER_EVENTS %lu\n", (unsigned long)DAHDI_BUFFER_EVENTS);
	printf("const.__DAHDI_SIG_FXO %ld\n", (long)(__DAHDI_SIG_FXO));
	printf("const.__DAHDI_SIG_FXS %ld\n", (long)(__DAHDI_SIG_FXS));
	printf("const.DAHDI_SIG_FXSLS %ld\n", (long)(DAHDI_SIG_FXSLS));
	printf("const.DAHDI_SIG_FXSGS %ld\n", (long)(DAHDI_SIG_FXSGS));
	printf("const.DAHDI_SIG_FXSKS %ld\n", (long)(DAHDI_SIG_FXSKS));
	printf("const.DAHDI_SIG_FXOLS %ld\n", (long)(DAHDI_SIG_FXOLS));
	printf("const.DAHDI_SIG_FXOGS %ld\n", (long)(DAHDI_SIG_FXOGS));
	printf("const.DAHDI_SIG_FXOKS %ld\n", (long)(DAHDI_SIG_FXOKS));
	printf("const.DAHDI_SIG_SF %ld\n", (long)(DAHDI_SIG_SF));
	printf("const.DAHDI_SIG_EM_E1 %ld\n", (long)(DAHDI_SIG_EM_E1));
	printf("const.DAHDI_SIG_EM %ld\n", (long)(DAHDI_SIG_EM));
	printf("const.DAHDI_SIG_CLEAR %ld\n", (long)(DAHDI_SIG_CLEAR));
	printf("const.DAHDI_ONHOOK %ld\n", (long)(DAHDI_ONHOOK));
	printf("const.DAHDI_OFFHOOK %ld\n", (long)(DAHDI_OFFHOOK));
	printf("const.DAHDI_WINK %ld\n", (long)(DAHDI_WINK));
	printf("const.DAHDI_FLASH %ld\n", (long)(DAHDI_FLASH));
	printf("const.DAHDI_START %ld\n", (long)(DAHDI_START));
	printf("const.DAHDI_RING %ld\n", (long)(DAHDI_RING));
	printf("const.DAHDI_RINGOFF %ld\n", (long)(DAHDI_RINGOFF));
	printf("const.DAHDI_EVENT_NONE %ld\n", (long)(DAHDI_EVENT_NONE));
	printf("const.DAHDI_EVENT_ONHOOK %ld\n", (long)(DAHDI_EVENT_ONHOOK));
	printf("const.DAHDI_EVENT_RINGOFFHOOK %ld\n", (long)(DAHDI_EVENT_RINGOFFHOOK));
	printf("const.DAHDI_EVENT_WINKFLASH %ld\n", (long)(DAHDI_EVENT_WINKFLASH));
	printf("const.DAHDI_EVENT_ALARM %ld\n", (long)(DAHDI_EVENT_ALARM));
	printf("const.DAHDI_EVENT_NOALARM %ld\n", (long)(DAHDI_EVENT_NOALARM));
	printf("const.DAHDI_EVENT_ABORT %ld\n", (long)(DAHDI_EVENT_ABORT));
	printf("const.DAHDI_EVENT_OVERRUN %ld\n", (long)(DAHDI_EVENT_OVERRUN));
	printf("const.DAHDI_EVENT_BADFCS %ld\n", (long)(DAHDI_EVENT_BADFCS));
	printf("const.DAHDI_EVENT_DIALCOMPLETE %ld\n", (long)(DAHDI_EVENT_DIALCOMPLETE));
	printf("const.DAHDI_EVENT_RINGERON %ld\n", (long)(DAHDI_EVENT_RINGERON));
	printf("const.DAHDI_EVENT_RINGEROFF %ld\n", (long)(DAHDI_EVENT_RINGEROFF));
	printf("const.DAHDI_EVENT_HOOKCOMPLETE %ld\n", (long)(DAHDI_EVENT_HOOKCOMPLETE));
	printf("const.DAHDI_EVENT_BITSCHANGED %ld\n", (long)(DAHDI_EVENT_BITSCHANGED));
	printf("const.DAHDI_EVENT_PULSE_START %ld\n", (long)(DAHDI_EVENT_PULSE_START));
	printf("const.DAHDI_EVENT_TIMER_EXPIRED %ld\n", (long)(DAHDI_EVENT_TIMER_EXPIRED));
	printf("const.DAHDI_EVENT_TIMER_PING %ld\n", (long)(DAHDI_EVENT_TIMER_PING));
	printf("const.DAHDI_EVENT_POLARITY %ld\n", (long)(DAHDI_EVENT_POLARITY));
	printf("const.DAHDI_EVENT_RINGBEGIN %ld\n", (long)(DAHDI_EVENT_RINGBEGIN));
	printf("const.DAHDI_EVENT_EC_DISABLED %ld\n", (long)(DAHDI_EVENT_EC_DISABLED));
	printf("const.DAHDI_EVENT_REMOVED %ld\n", (long)(DAHDI_EVENT_REMOVED));
	printf("const.DAHDI_EVENT_NEONMWI_ACTIVE %ld\n", (long)(DAHDI_EVENT_NEONMWI_ACTIVE));
	printf("const.DAHDI_EVENT_NEONMWI_INACTIVE %ld\n", (long)(DAHDI_EVENT_NEONMWI_INACTIVE));
	printf("const.DAHDI_EVENT_TX_CED_DETECTED %ld\n", (long)(DAHDI_EVENT_TX_CED_DETECTED));
	printf("const.DAHDI_EVENT_RX_CED_DETECTED %ld\n", (long)(DAHDI_EVENT_RX_CED_DETECTED));
	printf("const.DAHDI_EVENT_TX_CNG_DETECTED %ld\n", (long)(DAHDI_EVENT_TX_CNG_DETECTED));
	printf("const.DAHDI_EVENT_RX_CNG_DETECTED %ld\n", (long)(DAHDI_EVENT_RX_CNG_DETECTED));
	printf("const.DAHDI_EVENT_EC_NLP_DISABLED %ld\n", (long)(DAHDI_EVENT_EC_NLP_DISABLED));
	printf("const.DAHDI_EVENT_EC_NLP_ENABLED %ld\n", (long)(DAHDI_EVENT_EC_NLP_ENABLED));
	printf("const.DAHDI_EVENT_READ_OVERRUN %ld\n", (long)(DAHDI_EVENT_READ_OVERRUN));
	printf("const.DAHDI_EVENT_WRITE_UNDERRUN %ld\n", (long)(DAHDI_EVENT_WRITE_UNDERRUN));
	printf("const.DAHDI_EVENT_PULSEDIGIT %ld\n", (long)(DAHDI_EVENT_PULSEDIGIT));
	printf("const.DAHDI_EVENT_DTMFDOWN %ld\n", (long)(DAHDI_EVENT_DTMFDOWN));
	printf("const.DAHDI_EVENT_DTMFUP %ld\n", (long)(DAHDI_EVENT_DTMFUP));
	return 0;
}
